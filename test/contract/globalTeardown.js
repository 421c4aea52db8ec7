'use strict';
// jest globalTeardown: every request the package sent during the whole run, as the stand-ins
// recorded it, compared with AAC's contract (standin/contract.json). A request the contract does
// not describe fails the run (each test file's stand-in already fails on it; this is the suite-wide
// view), and the summary says which documented endpoints the run exercised.
const fs = require('node:fs');
const path = require('node:path');

module.exports = async function globalTeardown() {
	const dir = process.env.AAC_CONTRACT_RECORD_DIR;
	if (!dir || !fs.existsSync(dir)) return;
	const contract = JSON.parse(
		fs.readFileSync(path.join(__dirname, '../../standin/contract.json'), 'utf8'),
	);
	const shapes = new Map();
	for (const file of fs.readdirSync(dir))
		for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n'))
			if (line) shapes.set(line, JSON.parse(line));
	fs.rmSync(dir, { recursive: true, force: true });
	const outside = [...shapes.values()].filter((shape) => shape.problems.length > 0);
	const seen = new Set([...shapes.values()].map((shape) => shape.name));
	const endpoints = Object.keys(contract.endpoints);
	const unexercised = endpoints.filter((name) => !seen.has(name));
	const probes = new Set([...shapes.values()].map((s) => s.probe).filter(Boolean));
	process.stdout.write(
		`\nAAC contract: ${shapes.size} request shapes on ${seen.size} of ${endpoints.length} documented endpoints` +
			`${unexercised.length ? ` (not exercised by this run: ${unexercised.join(', ')})` : ''}` +
			`; probes of unknowns: ${[...probes].sort().join(', ') || 'none'}; outside the contract: ${outside.length}\n`,
	);
	if (outside.length) {
		throw new Error(
			`Requests outside AAC's contract (standin/contract.json):\n${outside
				.slice(0, 20)
				.map(
					(s) =>
						`  ${s.method} ${s.name} ?${s.query.join('&')} body{${s.body.join(',')}}: ${s.problems.join('; ')}`,
				)
				.join('\n')}`,
		);
	}
};
