// The Deno user's main.ts (copied as main.ts into a folder where the packed package was installed
// with npm, as README "Using the core outside n8n" says; stored as .mts here only because n8n's
// lint covers every .ts file of the repository and allows no such import). Runs the same
// scenario as the Node consumers (e2e/by-hand/consumer/scenario.mjs) and prints its facts.
import { createRefreshClient, sleep } from 'n8n-nodes-alteryx-analytics-cloud';
import { scenario } from './scenario.mjs';

const summary = await scenario({ createRefreshClient, sleep }, (name: string) =>
	Deno.env.get(name),
);
console.log(JSON.stringify({ runtime: `deno ${Deno.version.deno}`, ...summary }));
