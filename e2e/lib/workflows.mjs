// Workflow JSON for the e2e suite: small builders for the few nodes it uses, and a reader for the
// run that `n8n execute --rawOutput` prints. Node versions exist in n8n 1.123.81 and 2.41.1 alike.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CREDENTIAL_TYPE, NODE_TYPE, ROOT } from './n8n.mjs';

export const credentialRef = (id, name) => ({ [CREDENTIAL_TYPE]: { id, name } });

/** Our credential for `n8n.importCredentials`: `cred` ({ id, name }) holding a pair the stand-in minted. */
export const mintedCredential = (cred, pair, apiBaseUrl) => ({
	...cred,
	type: CREDENTIAL_TYPE,
	data: {
		accessToken: pair.accessToken,
		refreshToken: pair.refreshToken,
		allowCustomIssuer: true,
		apiBaseUrl,
	},
});

let nodeCounter = 0;
function node(name, type, typeVersion, parameters, extra = {}) {
	nodeCounter += 1;
	return {
		id: `e2e-node-${nodeCounter}`,
		name,
		type,
		typeVersion,
		position: [nodeCounter * 220, 0],
		parameters,
		...extra,
	};
}

export const manualTrigger = (name = 'Start') => node(name, 'n8n-nodes-base.manualTrigger', 1, {});

/** This package's node with its parameters as given ({ resource, operation, ... }). */
export const aacOperation = (name, parameters, credential, extra = {}) =>
	node(name, NODE_TYPE, 1, parameters, { credentials: credential, ...extra });

/** This package's node: Access Token → get | refresh | inspect. */
export const aacNode = (name, operation, credential, extra = {}) =>
	aacOperation(name, { resource: 'accessToken', operation }, credential, extra);

/** A resource locator parameter in "By ID" mode, as the editor stores it. */
export const byId = (id) => ({ __rl: true, mode: 'id', value: String(id) });

/** HTTP Request GET without authentication. */
export const httpGet = (name, url, extra = {}) =>
	node(name, 'n8n-nodes-base.httpRequest', 4.2, { url, options: {} }, extra);

/** HTTP Request GET with "Predefined Credential Type" = our credential; full response, so statusCode is in the output. */
export const httpWithCredential = (name, url, credential, { neverError = false, ...extra } = {}) =>
	node(
		name,
		'n8n-nodes-base.httpRequest',
		4.2,
		{
			url,
			authentication: 'predefinedCredentialType',
			nodeCredentialType: CREDENTIAL_TYPE,
			options: {
				response: { response: { fullResponse: true, ...(neverError ? { neverError: true } : {}) } },
			},
		},
		{ credentials: credential, ...extra },
	);

/** HTTP Request GET without n8n authentication, sending `Authorization: {{ $json.authorization }}` (from our Get node). */
export const httpWithAuthorizationHeader = (name, url, extra = {}) =>
	node(
		name,
		'n8n-nodes-base.httpRequest',
		4.2,
		{
			url,
			sendHeaders: true,
			headerParameters: {
				parameters: [{ name: 'Authorization', value: '={{ $json.authorization }}' }],
			},
			options: { response: { response: { fullResponse: true } } },
		},
		extra,
	);

/** Edit Fields: one field holding an array of `count` numbers (no Code node: no task runner needed). */
export const makeArray = (name, field, count) =>
	node(name, 'n8n-nodes-base.set', 3.4, {
		assignments: {
			assignments: [
				{
					id: 'e2e-array',
					name: field,
					value: `={{ Array.from({ length: ${count} }, (_, i) => i + 1) }}`,
					type: 'array',
				},
			],
		},
		options: {},
	});

export const splitOut = (name, field) =>
	node(name, 'n8n-nodes-base.splitOut', 1, { fieldToSplitOut: field, options: {} });

/**
 * Wait until the next multiple of `periodSeconds` on the wall clock (at least 250 ms away): two
 * processes running such rounds act at the same instants, whenever each of them booted. n8n
 * waits in-process for waits under 65 s.
 */
export const waitForTick = (name, periodSeconds) =>
	node(name, 'n8n-nodes-base.wait', 1.1, {
		resume: 'specificTime',
		dateTime: `={{ new Date(Math.ceil((Date.now() + 250) / ${periodSeconds * 1000}) * ${periodSeconds * 1000}).toISOString() }}`,
	});

/** A workflow whose nodes run one after the other, in the given order. */
export function chain(id, name, nodes) {
	const connections = {};
	for (let i = 0; i + 1 < nodes.length; i++) {
		connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	}
	return {
		id,
		name,
		active: false,
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

/**
 * Rounds in one execution, so one boot serves them all: `step(name)` nodes, each started on the
 * next tick of a `periodSeconds` wall clock (see waitForTick).
 */
export function rounds(id, name, count, periodSeconds, step) {
	const nodes = [manualTrigger()];
	for (let i = 1; i <= count; i++) {
		const round = String(i).padStart(2, '0');
		nodes.push(waitForTick(`Tick ${round}`, periodSeconds), step(`Round ${round}`));
	}
	return chain(id, name, nodes);
}

/** An example from examples/, as users import it, with the id the CLI import needs. */
export function example(file, id) {
	return { ...JSON.parse(readFileSync(join(ROOT, 'examples', file), 'utf8')), id, active: false };
}

// --- reading a run ---------------------------------------------------------

/** The runs of one node: [{startTime, executionTime, items: [json], error}] in execution order. */
export function nodeRuns(run, nodeName) {
	const runs = run?.data?.resultData?.runData?.[nodeName] ?? [];
	return runs.map((entry) => ({
		startTime: entry.startTime,
		executionTime: entry.executionTime,
		items: (entry.data?.main?.[0] ?? []).map((item) => item.json),
		error: entry.error,
	}));
}

/** Output items of a node's first run ([] when it did not run). */
export const outputOf = (run, nodeName) => nodeRuns(run, nodeName)[0]?.items ?? [];

/** The error that stopped the run, if any. */
export const runError = (run) => run?.data?.resultData?.error;
