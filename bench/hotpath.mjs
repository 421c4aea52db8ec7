// 2. Hot-path cost: requests with a fresh access token through n8n-core's
// httpRequestWithAuthentication (inside the real WorkflowExecute), our credential versus a plain
// Bearer-header credential, against a loopback API. In each run both credentials make `requests`
// requests, taking turns in blocks of `blockSize`; the ratio is taken per run (wall and CPU time).
// Then a breakdown: our preAuthentication and authenticate timed in place (inside those requests),
// n8n's credential lookup alone per type, the two called directly in a tight loop, and what one
// decode of the same JWT costs (to show that it is cached).
import { jwtLike, loadHarness, pause, progress, startLoopbackApi, summarize } from './lib.mjs';
import { PLAIN, PlainBearerCredential, makeLoopNode } from './n8nTypes.mjs';

export async function runHotPath({
	pkg,
	standIn,
	requests = 10_000,
	runs = 7,
	blockSize = 10,
	inPlaceRequests = 3_000,
	inPlaceRuns = 3,
	loopCalls = 20_000,
	loopRuns = 7,
}) {
	const { CredentialStore, createHarness, StartNode } = loadHarness();
	const ours = new pkg.CredentialClass();
	const plain = new PlainBearerCredential();
	const OURS = ours.name;
	const api = await startLoopbackApi();
	try {
		// A real, fresh access token from the stand-in (RS256 JWT, lives an hour): realistic length.
		const pair = await standIn.mint({ accessTokenTtlSeconds: 3600 });
		const store = new CredentialStore([
			{ id: OURS, name: 'AAC', type: OURS, data: { ...pair, allowCustomIssuer: true } },
			{ id: PLAIN, name: 'Plain', type: PLAIN, data: { accessToken: pair.accessToken } },
		]);
		const harness = createHarness({
			nodeTypes: { 'test.start': new StartNode(), 'bench.loop': makeLoopNode([OURS, PLAIN]) },
			credentialTypes: { [OURS]: ours, [PLAIN]: plain },
			store,
			saveSemantics: 'n8n2',
		});

		/** One node execution: `count` requests per credential, the two taking turns in blocks. */
		const interleaved = async (count, mode = 'request') => {
			const nodes = [
				{
					id: 's',
					name: 'Start',
					type: 'test.start',
					typeVersion: 1,
					position: [0, 0],
					parameters: { items: 1 },
				},
				{
					id: 'l',
					name: 'Loop',
					type: 'bench.loop',
					typeVersion: 1,
					position: [200, 0],
					parameters: { credentialTypes: `${OURS},${PLAIN}`, url: api.url, count, blockSize, mode },
					credentials: { [OURS]: { id: OURS, name: 'AAC' }, [PLAIN]: { id: PLAIN, name: 'Plain' } },
				},
			];
			const result = await harness.runWorkflow({
				nodes,
				connections: { Start: { main: [[{ node: 'Loop', type: 'main', index: 0 }]] } },
			});
			if (result.error) throw new Error(`hot path: ${result.error.message}`);
			const [{ totals, firstError }] = result.output('Loop');
			for (const [type, total] of Object.entries(totals)) {
				if (total.failed)
					throw new Error(
						`hot path (${type}): ${total.failed} requests failed, first: ${firstError}`,
					);
			}
			return { ours: totals[OURS], plain: totals[PLAIN] };
		};

		standIn.resetStats();
		progress('hot path: warm-up (1,000 requests per credential)');
		await interleaved(1000);
		const before = api.counts();
		const runsData = [];
		for (let run = 0; run < runs; run++) {
			globalThis.gc?.();
			await pause(50);
			const { ours: o, plain: p } = await interleaved(requests);
			runsData.push({ ours: o, plain: p });
			progress(
				`hot path run ${run + 1}/${runs}: ${requests.toLocaleString('en-US')} requests per credential, interleaved in blocks of ${blockSize}: ours ${o.wallMs.toFixed(0)} ms, plain ${p.wallMs.toFixed(0)} ms, ratio ${(o.wallMs / p.wallMs).toFixed(3)} wall / ${(o.cpuMs / p.cpuMs).toFixed(3)} CPU`,
			);
		}
		const after = api.counts();
		const sent = after.requests - before.requests;
		if (sent !== 2 * runs * requests || after.withBearer - before.withBearer !== sent) {
			throw new Error(
				`hot path: the API saw ${sent} requests (${after.withBearer - before.withBearer} with a Bearer token), expected ${2 * runs * requests}`,
			);
		}
		if (store.saves.length !== 0)
			throw new Error('hot path: the credential was saved although the token is fresh');
		const stats = standIn.stats();
		if (stats.tokenRequests !== 0)
			throw new Error(
				`hot path: ${stats.tokenRequests} token requests although the token is fresh`,
			);

		// Breakdown 1: our preAuthentication and authenticate (and the plain authenticate) timed in
		// place, inside the same kind of requests. Each call is timed up to the promise it returns:
		// preAuthentication's work (readCredential, the coordinator's check) all runs before its
		// first await; only `return {}` follows in a microtask.
		progress(
			`hot path: breakdown, our calls timed in place (${inPlaceRuns} × ${inPlaceRequests.toLocaleString('en-US')} requests per credential)`,
		);
		const inPlaceData = [];
		for (let run = 0; run < inPlaceRuns; run++)
			inPlaceData.push(await timeInPlace({ ours, plain, run: () => interleaved(inPlaceRequests) }));
		const inPlace = Object.fromEntries(
			Object.keys(inPlaceData[0]).map((key) => [
				key,
				summarize(inPlaceData.map((d) => d[key])).median,
			]),
		);

		// Breakdown 2: n8n's credential lookup (this.getCredentials) alone, per request and type.
		progress('hot path: breakdown, n8n credential lookup only (3 × 10,000 per credential)');
		await interleaved(1000, 'credentials');
		const lookups = [];
		for (let run = 0; run < 3; run++) lookups.push(await interleaved(10_000, 'credentials'));

		progress(
			`hot path: tight loop, preAuthentication + authenticate (${loopRuns} × ${loopCalls.toLocaleString('en-US')} calls)`,
		);
		const loop = await tightLoop({ pkg, ours, pair, calls: loopCalls, runs: loopRuns });

		const perRequestUs = (ms) => (ms * 1000) / requests;
		return {
			requests,
			runs,
			blockSize,
			ratioWall: summarize(runsData.map((r) => r.ours.wallMs / r.plain.wallMs)),
			ratioCpu: summarize(runsData.map((r) => r.ours.cpuMs / r.plain.cpuMs)),
			oursWallUs: summarize(runsData.map((r) => perRequestUs(r.ours.wallMs))),
			plainWallUs: summarize(runsData.map((r) => perRequestUs(r.plain.wallMs))),
			addedWallUs: summarize(runsData.map((r) => perRequestUs(r.ours.wallMs - r.plain.wallMs))),
			addedCpuUs: summarize(runsData.map((r) => perRequestUs(r.ours.cpuMs - r.plain.cpuMs))),
			fieldCount: ours.properties.length,
			inPlaceRequests,
			inPlaceRuns,
			inPlace,
			lookupOursUs: summarize(lookups.map((r) => (r.ours.cpuMs * 1000) / 10_000)),
			lookupPlainUs: summarize(lookups.map((r) => (r.plain.cpuMs * 1000) / 10_000)),
			tokenRequestsDuringHotPath: stats.tokenRequests,
			...loop,
		};
	} finally {
		await api.close();
	}
}

/**
 * Wraps the credentials' methods with timers for one run of requests, then restores them. Returns
 * µs per call: our preAuthentication, our authenticate, the plain authenticate.
 */
async function timeInPlace({ ours, plain, run }) {
	const spent = { preAuthentication: 0, authenticate: 0, plainAuthenticate: 0 };
	const calls = { preAuthentication: 0, authenticate: 0, plainAuthenticate: 0 };
	const timed = (key, fn) =>
		function (...args) {
			const t0 = performance.now();
			const result = fn.apply(this, args);
			spent[key] += performance.now() - t0;
			calls[key] += 1;
			return result;
		};
	const originals = {
		preAuthentication: ours.preAuthentication,
		authenticate: ours.authenticate,
		plainAuthenticate: plain.authenticate,
	};
	ours.preAuthentication = timed('preAuthentication', originals.preAuthentication);
	ours.authenticate = timed('authenticate', originals.authenticate);
	plain.authenticate = timed('plainAuthenticate', originals.plainAuthenticate);
	try {
		await run();
	} finally {
		delete ours.preAuthentication; // back to the prototype's method
		ours.authenticate = originals.authenticate;
		plain.authenticate = originals.plainAuthenticate;
	}
	const us = (key) => (spent[key] * 1000) / calls[key];
	return {
		preAuthenticationUs: us('preAuthentication'),
		authenticateUs: us('authenticate'),
		plainAuthenticateUs: us('plainAuthenticate'),
	};
}

/**
 * Our preAuthentication + authenticate called directly, with the object n8n hands them (defaults
 * applied, a new object per call as n8n makes), versus the plain credential's authenticate. To
 * show that the decoded token is cached: how many JWT decodes (calls of the global atob, which the
 * core decodes with) one call makes with the same token and with a different token every time
 * (1,024 distinct tokens of the same size in turn, more than the claims cache keeps), and the
 * time of both, and of decodeJwtPayload alone.
 */
async function tightLoop({ pkg, ours, pair, calls, runs }) {
	const plain = new PlainBearerCredential();
	const base = {
		accessToken: pair.accessToken,
		refreshToken: pair.refreshToken,
		clientId: '',
		issuer: '',
		allowCustomIssuer: true,
		apiBaseUrl: '',
		refreshMode: 'automatic',
		refreshMarginSeconds: 60,
		requestTimeoutSeconds: 30,
		expiryCheck: '',
		lastRotatedAt: '',
	};
	const claims = pkg.core.decodeJwtPayload(pair.accessToken);
	const distinct = Array.from({ length: 1024 }, (_, i) =>
		jwtLike({ ...claims, jti: `${claims.jti ?? 'bench'}-${i}` }, `bench-${i}`),
	);
	const helpers = {
		helpers: {
			httpRequest: async () => {
				throw new Error('no request expected: the token is fresh');
			},
		},
	};
	const call = async (credentials) => {
		const update = await ours.preAuthentication.call(helpers, credentials);
		if (update.expiryCheck !== undefined) throw new Error('unexpected credential update');
		return await ours.authenticate(credentials, {
			method: 'GET',
			url: 'http://127.0.0.1/',
			headers: {},
		});
	};
	const oursCall = async () => await call({ ...base });
	const oursNewTokenCall = async (i) =>
		await call({ ...base, accessToken: distinct[i % distinct.length] });
	const plainCall = async () =>
		await plain.authenticate({ ...base }, { method: 'GET', url: 'http://127.0.0.1/', headers: {} });
	const decodeCall = (i) => {
		if (!pkg.core.decodeJwtPayload(distinct[i % distinct.length])) throw new Error('decode failed');
	};

	const time = async (fn, isAsync) => {
		const t0 = performance.now();
		if (isAsync) for (let i = 0; i < calls; i++) await fn(i);
		else for (let i = 0; i < calls; i++) fn(i);
		return ((performance.now() - t0) * 1000) / calls;
	};
	// Deterministic check: the core decodes with the global atob, so count atob calls per request.
	const decodesPerCall = async (fn) => {
		const original = globalThis.atob;
		let decodes = 0;
		globalThis.atob = (value) => {
			decodes += 1;
			return original(value);
		};
		try {
			for (let i = 0; i < 2048; i++) await fn(i);
		} finally {
			globalThis.atob = original;
		}
		return decodes / 2048;
	};
	await oursCall();
	const decodes = {
		sameToken: await decodesPerCall(oursCall),
		newToken: await decodesPerCall(oursNewTokenCall),
	};

	const cases = {
		ours: [oursCall, true],
		oursNewToken: [oursNewTokenCall, true],
		plain: [plainCall, true],
		decode: [decodeCall, false],
	};
	for (const [fn, isAsync] of Object.values(cases)) await time(fn, isAsync);
	const us = Object.fromEntries(Object.keys(cases).map((key) => [key, []]));
	for (let run = 0; run < runs; run++) {
		await pause(10);
		for (const [key, [fn, isAsync]] of Object.entries(cases)) us[key].push(await time(fn, isAsync));
	}
	return {
		loopCalls: calls,
		loopRuns: runs,
		loopOursUs: summarize(us.ours),
		loopOursNewTokenUs: summarize(us.oursNewToken),
		loopPlainUs: summarize(us.plain),
		loopAddedUs: summarize(us.ours.map((value, i) => value - us.plain[i])),
		decodeUs: summarize(us.decode),
		decodesPerRequest: decodes,
		tokenLength: pair.accessToken.length,
		distinctTokenLength: distinct[0].length,
	};
}
