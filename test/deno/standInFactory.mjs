// The loopback server the Deno scenarios (test/deno/scenarios.deno.mts) ask for AAC stand-ins:
// the stand-ins (standin/aac-standin.mjs: oidc-provider, our fake of AAC's v4 API) run in this Node
// process, so Deno needs no permission for them beyond connecting to 127.0.0.1.
//   POST /start { StandInOptions } → { id, issuer, clientId, origin, apiBaseUrl, adminUrl }
//   POST /stop { id } → { violations }: the requests AAC's contract does not describe; stopped.
import { createServer } from 'node:http';

import { startStandIn } from '../../standin/aac-standin.mjs';

/** The loopback server Deno asks for stand-ins: POST /start {options} → info; POST /stop {id} → { violations }. */
export async function startStandInFactory() {
	const running = new Map();
	let next = 0;
	const violations = [];
	const server = createServer((req, res) => {
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', async () => {
			const answer = (status, body) => {
				res.writeHead(status, { 'content-type': 'application/json' });
				res.end(JSON.stringify(body));
			};
			try {
				const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
				if (req.method === 'POST' && req.url === '/start') {
					const standIn = await startStandIn({ ...body, port: 0, host: '127.0.0.1' });
					const id = String(++next);
					running.set(id, standIn);
					const { issuer, clientId, origin, apiBaseUrl, adminUrl } = standIn;
					return answer(200, { id, issuer, clientId, origin, apiBaseUrl, adminUrl });
				}
				if (req.method === 'POST' && req.url === '/stop') {
					const standIn = running.get(String(body.id));
					if (!standIn) return answer(404, { message: `no stand-in ${body.id}` });
					running.delete(String(body.id));
					const found = standIn.api.contractViolations();
					violations.push(...found);
					await standIn.close();
					return answer(200, { violations: found });
				}
				answer(404, { message: 'POST /start or /stop' });
			} catch (error) {
				answer(500, { message: String(error?.stack ?? error) });
			}
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		violations,
		running,
		async close() {
			for (const standIn of running.values()) await standIn.close();
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}
