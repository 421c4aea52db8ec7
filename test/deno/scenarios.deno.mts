// The shared scenarios (test/scenarios/scenarios.ts) in Deno: the package's node, credential and
// triggers in n8n-core's engine, from dist/ or from the TypeScript sources, against AAC stand-ins
// that the Node process which started Deno runs and counts (test/deno/scenarios.test.mjs, which
// also holds the permissions and says why each). Run it through `npm run test:deno`; by hand:
//   deno test --no-check <permissions> test/deno/scenarios.deno.mts -- <stand-in factory URL> dist|sources
// (.mts rather than .ts: n8n's lint covers every .ts file and knows no `Deno`.)
import { FROM, loadPackage, type From } from '../scenarios/package.ts';
import { SCENARIOS, runScenario } from '../scenarios/scenarios.ts';
import type { RunningStandIn, StandInOptions } from '../scenarios/standIn.ts';

const [factoryUrl, from] = Deno.args as [string, From];
if (!factoryUrl || !FROM.includes(from))
	throw new Error('usage: deno test … scenarios.deno.mts -- <stand-in factory URL> dist|sources');

/** A stand-in started by the Node process; its stop fails when a request broke AAC's contract. */
async function startStandIn(options: StandInOptions): Promise<RunningStandIn> {
	const call = async (route: string, body: unknown) => {
		const response = await fetch(`${factoryUrl}/${route}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
		});
		const json = await response.json();
		if (!response.ok) throw new Error(`stand-in factory ${route}: ${JSON.stringify(json)}`);
		return json;
	};
	const { id, ...info } = await call('start', options);
	return {
		...info,
		async stop() {
			const { violations } = await call('stop', { id });
			if (violations.length)
				throw new Error(
					`${violations.length} request(s) outside AAC's contract (standin/contract.json): ${violations
						.slice(0, 5)
						.map(
							(v: { request: string; problems: string[] }) =>
								`${v.request}: ${v.problems.join('; ')}`,
						)
						.join(' | ')}`,
				);
		},
	};
}

const pkg = await loadPackage(from);

for (const scenario of SCENARIOS) {
	Deno.test({
		name: `${from}: ${scenario.name}`,
		// n8n-core keeps timers and sockets of its own (keep-alive agents, caches) past a run.
		sanitizeOps: false,
		sanitizeResources: false,
		async fn() {
			const started = performance.now();
			const facts = await runScenario(scenario, pkg, startStandIn);
			const seconds = Math.round(performance.now() - started) / 1000;
			// One line per scenario for the Node runner's summary.
			console.log(`SCENARIO ${JSON.stringify({ from, name: scenario.name, seconds, facts })}`);
		},
	});
}
