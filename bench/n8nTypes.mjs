// The credential types and node types the benchmark adds next to the package's own, to run through
// n8n-core's real engine (the compiled test harness):
//
// - PlainBearerCredential: a credential type with only `authenticate`, adding the Bearer header.
//   The hot-path baseline: what a request costs when the credential does nothing else.
// - NaivePreAuthCredential: what existing community packages do for rotating refresh tokens:
//   preAuthentication runs before every request (its expirable field stays empty), decodes the
//   stored access token and refreshes whenever it has expired. No single flight, no memory.
// - LoopNode (`bench.loop`): requests through this.helpers.httpRequestWithAuthentication with
//   several credential types taking turns, timed inside the node (the engine's fixed cost excluded).
//
// n8n-workflow through require: its ESM build does not load in plain Node, and n8n-core uses the
// CommonJS instance anyway.
import { require } from './lib.mjs';

const { NodeConnectionTypes } = require('n8n-workflow');

export const PLAIN = 'benchPlainBearerApi';
export const NAIVE = 'benchNaivePreAuthApi';

const tokenField = (name, displayName) => ({
	displayName,
	name,
	type: 'string',
	typeOptions: { password: true },
	required: true,
	default: '',
});

export class PlainBearerCredential {
	name = PLAIN;
	displayName = 'Bench: plain Bearer header';
	properties = [tokenField('accessToken', 'Access Token')];
	authenticate = async (credentials, requestOptions) => {
		requestOptions.headers = {
			...requestOptions.headers,
			Authorization: `Bearer ${credentials.accessToken}`,
		};
		return requestOptions;
	};
}

function decodeClaims(jwt) {
	return JSON.parse(Buffer.from(String(jwt).split('.')[1], 'base64url').toString('utf8'));
}

export class NaivePreAuthCredential {
	name = NAIVE;
	displayName = 'Bench: preAuthentication refresh without coordination';
	properties = [
		tokenField('accessToken', 'Access Token'),
		tokenField('refreshToken', 'Refresh Token'),
		{
			displayName: 'Session',
			name: 'sessionToken',
			type: 'hidden',
			typeOptions: { expirable: true },
			default: '',
		},
	];

	/** Refreshes with the stored refresh token whenever the stored access token has expired. */
	async preAuthentication(credentials) {
		const claims = decodeClaims(credentials.accessToken);
		if (claims.exp * 1000 > Date.now()) return {};
		const answer = await this.helpers.httpRequest({
			method: 'POST',
			url: `${claims.iss}/token`,
			headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
			body: new URLSearchParams({
				grant_type: 'refresh_token',
				refresh_token: credentials.refreshToken,
				client_id: claims.client_id,
			}).toString(),
		});
		const body = typeof answer === 'string' ? JSON.parse(answer) : answer;
		return { sessionToken: '', accessToken: body.access_token, refreshToken: body.refresh_token };
	}

	authenticate = async (credentials, requestOptions) => {
		requestOptions.headers = {
			...requestOptions.headers,
			Authorization: `Bearer ${credentials.accessToken}`,
		};
		return requestOptions;
	};
}

/**
 * `bench.loop`: `count` requests per credential type through httpRequestWithAuthentication, the
 * types taking turns in blocks of `blockSize` (fine-grained interleaving: drift on a shared machine
 * hits every type alike). Wall time and process CPU time are summed per type, per block. Mode
 * 'credentials' times only n8n's credential lookup (this.getCredentials), the first step of every
 * authenticated request. The node declares every credential type it may be run with (n8n-core
 * checks).
 */
export function makeLoopNode(credentialTypeNames) {
	return {
		description: {
			displayName: 'Bench Loop',
			name: 'bench.loop',
			group: ['transform'],
			version: 1,
			description: 'Requests through httpRequestWithAuthentication, credential types interleaved',
			defaults: { name: 'Loop' },
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			credentials: credentialTypeNames.map((name) => ({ name, required: false })),
			properties: [
				{ displayName: 'Credential Types', name: 'credentialTypes', type: 'string', default: '' },
				{ displayName: 'URL', name: 'url', type: 'string', default: '' },
				{ displayName: 'Count per Type', name: 'count', type: 'number', default: 1 },
				{ displayName: 'Block Size', name: 'blockSize', type: 'number', default: 100 },
				{ displayName: 'Mode', name: 'mode', type: 'string', default: 'request' },
			],
		},
		async execute() {
			const types = String(this.getNodeParameter('credentialTypes', 0)).split(',');
			const url = this.getNodeParameter('url', 0);
			const count = this.getNodeParameter('count', 0);
			const blockSize = this.getNodeParameter('blockSize', 0);
			const mode = this.getNodeParameter('mode', 0);
			const totals = Object.fromEntries(
				types.map((type) => [type, { wallMs: 0, cpuMs: 0, failed: 0 }]),
			);
			let firstError = null;
			for (let done = 0, block = 0; done < count; done += blockSize, block++) {
				const size = Math.min(blockSize, count - done);
				// Alternate which type opens the block, so neither always follows the other.
				const order = block % 2 === 0 ? types : [...types].reverse();
				for (const type of order) {
					const total = totals[type];
					const cpu0 = process.cpuUsage();
					const t0 = performance.now();
					for (let i = 0; i < size; i++) {
						try {
							if (mode === 'credentials') await this.getCredentials(type);
							else
								await this.helpers.httpRequestWithAuthentication.call(this, type, {
									method: 'GET',
									url,
									json: true,
								});
						} catch (error) {
							total.failed += 1;
							firstError ??= String(error?.message ?? error);
						}
					}
					total.wallMs += performance.now() - t0;
					// Process CPU time (user + system, all threads): what the requests cost this
					// process, independent of how long it waited for a core on a shared machine.
					const cpu = process.cpuUsage(cpu0);
					total.cpuMs += (cpu.user + cpu.system) / 1000;
				}
			}
			return [[{ json: { totals, firstError } }]];
		},
	};
}
