// Release guard and release command.
//
//   node .ci/release.mjs --prepublish   npm's prepublishOnly: refuses to publish a package n8n
//                                        would not verify, or one that does not build, lint and scan
//   npm run release -- <version>         CHANGELOG "Unreleased" → <version>, package.json version,
//                                        green build/lint/scan/test, commit and tag <version>
//
// n8n verifies a community package only when it was published from GitHub Actions with an npm
// provenance statement and its package.json `repository` is the public repository it was built
// from. The repository of this package is not known yet, so package.json has no `repository` on
// purpose: the guard says what to set (CONTRIBUTING.md, "Releasing"). Publishing itself happens
// in .github/workflows/publish.yml, on the tag this command makes.
//
// The repository's .npmrc sets ignore-scripts=true, under which `npm publish` skips
// prepublishOnly: publish.yml passes --ignore-scripts=false, and package.json's
// publishConfig.provenance makes a publish outside GitHub Actions fail anyway.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** What a refusal stops: set by the mode. */
let stopped = 'not publishing';

function refuse(lines) {
	console.error(
		`\n${manifest.name}: ${stopped}.\n${lines.map((line) => `  ${line}`).join('\n')}\n`,
	);
	process.exit(1);
}

/** owner/name of the GitHub repository in package.json's `repository`, or undefined. */
function repositorySlug() {
	const repository = manifest.repository;
	const url = typeof repository === 'string' ? repository : repository?.url;
	if (typeof url !== 'string') return undefined;
	const match =
		/^(?:git\+)?(?:https:\/\/|ssh:\/\/git@|git@)github\.com[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(
			url.trim(),
		) ?? /^(?:github:)?([\w.-]+)\/([\w.-]+)$/.exec(url.trim());
	return match ? `${match[1]}/${match[2]}` : undefined;
}

function checkRepository() {
	const slug = repositorySlug();
	if (!slug) {
		refuse([
			manifest.repository === undefined
				? 'package.json has no "repository" field.'
				: `package.json "repository" is not a GitHub repository: ${JSON.stringify(manifest.repository)}.`,
			'n8n verifies a community package only when its npm provenance names the public GitHub',
			'repository it was built from, and package.json "repository" is that repository.',
			'Set it to the HTTPS clone address GitHub shows for the repository (Code → HTTPS), once:',
			'  npm pkg set repository.type=git repository.url=git+<that address>',
			'and commit package.json. Then follow CONTRIBUTING.md, "Releasing".',
		]);
	}
	return slug;
}

/** Runs `npm run <script>` for each script, stops at the first that fails. */
function green(scripts) {
	for (const script of scripts) {
		console.log(`\n[release] npm run ${script}`);
		// Not the publish's --dry-run: under it the scanner's `npm pack` would write no tarball.
		const { npm_config_dry_run: _dryRun, ...env } = process.env;
		const result = spawnSync('npm', ['run', script], { cwd: ROOT, stdio: 'inherit', env });
		if (result.status !== 0) {
			refuse([
				`npm run ${script} failed (exit ${result.status ?? result.signal}): fix it first; nothing is published from a red build.`,
			]);
		}
	}
}

function prepublish() {
	const slug = checkRepository();
	const env = process.env;
	const dryRun = env.npm_config_dry_run === 'true';
	if (env.GITHUB_ACTIONS === 'true') {
		if (env.GITHUB_REPOSITORY && env.GITHUB_REPOSITORY.toLowerCase() !== slug.toLowerCase()) {
			refuse([
				`package.json "repository" is ${slug}, but this workflow runs in ${env.GITHUB_REPOSITORY}: npm rejects the provenance statement and n8n would not verify the package. Set "repository" to ${env.GITHUB_REPOSITORY}.`,
			]);
		}
		if (env.GITHUB_REF_TYPE === 'tag' && env.GITHUB_REF_NAME !== manifest.version) {
			refuse([
				`the tag ${env.GITHUB_REF_NAME} is not package.json's version ${manifest.version}: tag with npm run release -- <version>.`,
			]);
		}
	}
	// npm hands a --provenance flag to scripts as npm_config_provenance; publishConfig it does not.
	const provenance =
		env.npm_config_provenance === 'true' ||
		env.NPM_CONFIG_PROVENANCE === 'true' ||
		manifest.publishConfig?.provenance === true;
	if (!dryRun && (env.GITHUB_ACTIONS !== 'true' || !provenance)) {
		refuse([
			'not in GitHub Actions with npm provenance: n8n does not verify packages published without it.',
			'Publish from GitHub Actions: push a version tag (npm run release -- <version>, then',
			'git push origin main <version>) and .github/workflows/publish.yml publishes it.',
		]);
	}
	green(['build', 'lint', 'scan']);
	console.log(
		`\n[release] ${manifest.name}@${manifest.version}: repository ${slug}, build, lint and scan green.`,
	);
}

function git(args) {
	return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
}

function release(version) {
	stopped = 'not releasing';
	if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(version ?? '')) {
		refuse([
			'usage: npm run release -- <version>   (for example the next minor of the version in package.json)',
		]);
	}
	checkRepository();
	if (git(['status', '--porcelain']))
		refuse(['the working tree has changes: commit or stash them first.']);
	const branch = git(['rev-parse', '--abbrev-ref', 'HEAD']);
	if (branch !== 'main') refuse([`releases are tagged on main, this is ${branch}.`]);
	if (git(['tag', '--list', version])) refuse([`the tag ${version} exists already.`]);

	const changelogPath = join(ROOT, 'CHANGELOG.md');
	const changelog = readFileSync(changelogPath, 'utf8');
	const unreleased = /^## Unreleased\n([\s\S]*?)(?=^## )/m.exec(changelog);
	if (!unreleased || !unreleased[1].trim())
		refuse([
			'CHANGELOG.md has no "## Unreleased" section with entries: say what this release changes first.',
		]);

	green(['build', 'lint', 'scan', 'test']);
	const date = new Date().toISOString().slice(0, 10);
	writeFileSync(
		changelogPath,
		changelog.replace(/^## Unreleased\n/m, `## Unreleased\n\n## ${version} (${date})\n`),
	);
	execFileSync('npm', ['version', version, '--no-git-tag-version'], {
		cwd: ROOT,
		stdio: 'inherit',
	});
	git(['add', 'CHANGELOG.md', 'package.json', 'package-lock.json']);
	git(['commit', '-m', `Release ${version}`]);
	git(['tag', '-a', version, '-m', `Release ${version}`]);
	console.log(
		`\n[release] committed and tagged ${version}. Publish it: git push origin main ${version}`,
	);
	console.log('[release] (.github/workflows/publish.yml publishes the tag to npm with provenance)');
}

if (process.argv[2] === '--prepublish') prepublish();
else release(process.argv[2]);
