// The shared scenarios (test/scenarios/scenarios.ts) in Node, from the TypeScript sources: the
// package's node, credential and triggers in n8n-core's engine against the AAC stand-in, counted
// by it. `npm run test:deno` runs the same definitions in Deno, from dist/ and from the sources.
import { startStandIn } from './helpers/standin';
import { loadPackage, type PackageTypes } from './scenarios/package';
import { SCENARIOS, runScenario } from './scenarios/scenarios';

let pkg: PackageTypes;
beforeAll(async () => {
	pkg = await loadPackage('sources');
});

test.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))(
	'%s',
	async (_name, scenario) => {
		await runScenario(scenario, pkg, startStandIn);
	},
);
