// Which n8n versions the e2e tests run on, and the fixture that gives each test, per version, its
// own n8n and AAC stand-in. One variable picks the versions, for every suite:
//
//   E2E_N8N=1 | 2 | 1.123.81 | 2.41.1 | 1,2 | all
//
// Unset, a test runs on the versions it runs on by default (every pinned one, except the fault
// matrix: 2.41.1, and expression-field: 2.x only); `all`, on every version it can run on; a list,
// on those of the list it can run on. A test that cannot run on any version asked for is reported
// as skipped, saying why.
import { after, before, describe } from 'node:test';

import { startStandIn } from '../../standin/aac-standin.mjs';
import { VERSIONS, createN8n } from './n8n.mjs';

/** The pinned versions, oldest first: { major, version, nodeMajor } (the table is VERSIONS in n8n.mjs). */
export const PINNED = Object.entries(VERSIONS)
	.map(([version, { major, nodeMajor }]) => ({ major, version, nodeMajor }))
	.sort((a, b) => a.version.localeCompare(b.version, 'en', { numeric: true }));
const ALL = PINNED.map((pin) => pin.version);

/** The variables this one replaced; set, they would be silently ignored, so they stop the run. */
const GONE = /^AAC_\w*_VERSIONS?$/;
for (const name of Object.keys(process.env)) {
	if (GONE.test(name))
		throw new Error(`${name} is no longer read: E2E_N8N picks the n8n versions (e2e/README.md)`);
}

/** A major ('2') or a full version ('2.41.1') to the pinned version, or an error naming the known ones. */
function pinned(name) {
	const pin = PINNED.find((entry) => entry.major === name || entry.version === name);
	if (!pin)
		throw new Error(
			`E2E_N8N: no pinned n8n ${name}; known: ${PINNED.map((p) => `${p.major} (${p.version})`).join(', ')}, all`,
		);
	return pin.version;
}

/** What E2E_N8N asks for: undefined (unset: each test's default), 'all', or a list of versions. */
export function askedVersions(value = process.env.E2E_N8N) {
	const text = (value ?? '').trim();
	if (!text) return undefined;
	if (text === 'all') return 'all';
	return text
		.split(',')
		.map((name) => name.trim())
		.filter(Boolean)
		.map(pinned);
}

/**
 * The versions a test runs on. `versions`: those it can run on (default: every pinned one);
 * `byDefault`: those it runs on when E2E_N8N is unset (default: `versions`). Either may name
 * majors or full versions. Returns them in PINNED order.
 */
export function selectedVersions(
	{ versions = ALL, byDefault = versions } = {},
	asked = askedVersions(),
) {
	const can = new Set(versions.map(pinned));
	const wanted = asked === undefined ? byDefault.map(pinned) : asked === 'all' ? ALL : asked;
	return ALL.filter((version) => can.has(version) && wanted.includes(version));
}

/** The pinned entry ({ major, version, nodeMajor }) of a version. */
export const pinOf = (version) => PINNED.find((pin) => pin.version === version);

/**
 * The e2e fixture: one describe per selected n8n version, titled `n8n <version>: <title>` (or, with
 * `sideBySide`, one describe `title` running `n8n <version>` describes at once). Each gets a fresh
 * n8n user folder `.tools/run/<version>/<name>/` (createN8n; `n8n: false` for none) and its own AAC
 * stand-in (startStandIn(standIn); `standIn: false` for none), both ready before the first hook or
 * test that `body` registers, the stand-ins closed after its last after().
 *
 *   forEachN8n('read operations', { name: 'operations', standIn: { accessTokenTtlSeconds: 300 } }, (fx) => {
 *     test('…', async () => { await fx.n8n.execute('wf'); fx.standIn.stats(); });
 *   });
 *
 * `fx`: version, major, nodeMajor, n8n, standIn, and startStandIn(options): another stand-in,
 * closed with the first. Options: name, standIn, n8n, versions, byDefault (see selectedVersions),
 * timeout (of each version's describe), sideBySide.
 */
export function forEachN8n(title, options, body) {
	const { name, standIn = {}, n8n = true, timeout, sideBySide = false } = options;
	const versions = selectedVersions(options);
	if (versions.length === 0) {
		const can = (options.versions ?? ALL).map(pinned).join(', ');
		describe(
			title || 'n8n',
			{
				skip: `runs on n8n ${can} only; E2E_N8N=${process.env.E2E_N8N ?? ''} asks for others`,
			},
			() => {},
		);
		return;
	}
	const perVersion = (version, describeTitle) =>
		describe(describeTitle, { timeout }, () => {
			const pin = pinOf(version);
			const standIns = [];
			const fx = {
				version,
				major: pin.major,
				nodeMajor: pin.nodeMajor,
				/** The n8n runner (e2e/lib/n8n.mjs createN8n), made in the fixture's before(). */
				n8n: undefined,
				/** The AAC stand-in (standin/aac-standin.mjs), started in the fixture's before(). */
				standIn: undefined,
				async startStandIn(standInOptions = {}) {
					const started = await startStandIn(standInOptions);
					standIns.push(started);
					return started;
				},
			};
			before(async () => {
				if (standIn) fx.standIn = await fx.startStandIn(standIn);
				if (n8n) fx.n8n = createN8n({ version, name });
			});
			body(fx);
			// Registered after body's hooks, so it runs after them: they may still read the stand-ins.
			after(async () => {
				await Promise.all(standIns.map((started) => started.close()));
			});
		});
	if (sideBySide) {
		describe(title, { concurrency: true }, () => {
			for (const version of versions) perVersion(version, `n8n ${version}`);
		});
	} else {
		for (const version of versions)
			perVersion(version, title ? `n8n ${version}: ${title}` : `n8n ${version}`);
	}
}
