// worker_threads entry: runs the AAC stand-in off the jest thread, because
// jest (CommonJS via ts-jest) cannot import the ESM-only oidc-provider.
// Protocol: -> {type:'ready', info} | {type:'error', message}
//           <- {type:'close'}  -> {type:'closed'}
import { parentPort, workerData } from 'node:worker_threads';
import { startStandIn } from '../../standin/aac-standin.mjs';

try {
	const standIn = await startStandIn(workerData ?? {});
	const { issuer, clientId, origin, apiBaseUrl, tokenEndpoint, adminUrl, apiAdminUrl } = standIn;
	parentPort.on('message', async (message) => {
		if (message?.type !== 'close') return;
		await standIn.close();
		parentPort.postMessage({ type: 'closed' });
		parentPort.close();
	});
	parentPort.postMessage({
		type: 'ready',
		info: { issuer, clientId, origin, apiBaseUrl, tokenEndpoint, adminUrl, apiAdminUrl },
	});
} catch (err) {
	parentPort.postMessage({ type: 'error', message: String(err?.message ?? err) });
}
