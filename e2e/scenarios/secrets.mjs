// Secrets: no refresh token anywhere n8n keeps or prints things; access tokens only where node
// outputs carry them on purpose (execution data). Runs last, over everything the suite did.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { readEntitiesExport } from '../lib/entities.mjs';
import { ENCRYPTION_KEY } from '../lib/n8n.mjs';

/** Files under `dir`, recursively, skipping folders named in `skip`. */
function filesUnder(dir, skip = new Set()) {
	if (!existsSync(dir)) return [];
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return skip.has(entry.name) ? [] : filesUnder(path, skip);
		return entry.isFile() ? [path] : [];
	});
}

/** @param {import('../lib/suite.mjs').SuiteContext} suite */
export function secretsScenario(suite) {
	suite.check(
		'secrets: no refresh token in the database, n8n output or exports; access tokens only where outputs carry them',
		{ timeout: 3 * 60_000 },
		async () => {
			const { standIn, n8n, accessTokens } = suite;
			const entitiesDir = await n8n.exportEntities();
			const workflowsExport = JSON.stringify(await n8n.exportWorkflows());
			const refreshTokens = standIn.issuedRefreshTokens().filter((token) => token.length >= 16);
			assert.ok(refreshTokens.length >= 10, 'the suite issued refresh tokens to look for');
			const carried = [...accessTokens.carried];
			const hidden = [...accessTokens.known].filter((token) => !accessTokens.carried.has(token));
			assert.ok(hidden.length > 0 && carried.length > 0);

			// Everything n8n keeps in its folder (database, -wal/-journal, event logs, config) as bytes;
			// the database's tables as SQLite reads them; the entities export (every table, executions
			// included) decrypted.
			const n8nFiles = filesUnder(join(n8n.userFolder, '.n8n'), new Set(['nodes']));
			assert.ok(n8nFiles.includes(n8n.dbFile), 'the database file is among the files read');
			const n8nFolder = n8nFiles.map((file) => ({
				where: file.slice(n8n.runDir.length + 1),
				bytes: readFileSync(file),
			}));
			// The control below must not depend on where SQLite happens to keep a row: n8n 2.x runs it in
			// WAL mode, so the newest rows can still sit in database.sqlite-wal (above all when n8n died
			// of a signal on exit, before the checkpoint closing would do), and a long value is split
			// across pages in both files. Read through SQLite, every committed row is whole, wherever it is.
			const tables = Object.entries(n8n.databaseTables()).map(([name, rows]) => ({
				where: `database table ${name}`,
				text: JSON.stringify(rows),
			}));
			const executionData = tables.find((table) => table.where === 'database table execution_data');
			assert.ok(
				executionData,
				`the database has an execution_data table (tables: ${tables.map((table) => table.where.slice(15)).join(', ')})`,
			);
			const exported = readEntitiesExport(join(entitiesDir, 'entities.zip'), ENCRYPTION_KEY).map(
				({ name, text }) => ({ where: `export:entities ${name}`, text }),
			);
			assert.ok(
				exported.some((table) => table.where.includes('executiondata')),
				'the entities export holds the executions',
			);
			const outputs = n8n.commands.flatMap((command) => [
				{
					where: `${command.logFile} (stdout)`,
					text: command.stdout,
					execute: command.args[0] === 'execute',
				},
				{ where: `${command.logFile} (stderr)`, text: command.stderr },
			]);
			const everywhere = [
				...n8nFolder,
				...tables,
				...exported,
				...outputs,
				{ where: 'export:workflow', text: workflowsExport },
			];
			const found = (tokens, haystack) =>
				tokens.filter((token) =>
					haystack.bytes ? haystack.bytes.includes(token) : haystack.text.includes(token),
				);

			// The checks can see: execution data is stored in plain, so output tokens are found there.
			const inDatabase = found(carried, executionData);
			assert.ok(
				inDatabase.length > 0,
				'access tokens that Get output are found in the database (execution data, read through SQLite)',
			);
			assert.ok(
				found(
					carried,
					exported.find((table) => table.where.includes('executiondata')),
				).length > 0,
			);

			const leaks = [];
			const look = (tokens, kind, haystacks) => {
				for (const haystack of haystacks) {
					const hits = found(tokens, haystack);
					if (hits.length) leaks.push(`${hits.length} ${kind} in ${haystack.where}`);
				}
			};
			look(refreshTokens, 'refresh token(s)', everywhere);
			look(hidden, 'access token(s) that no node output carries', everywhere);
			// Tokens the Get/Refresh nodes output may appear in execution data (database, executions
			// export) and in the run `execute` prints, nowhere else.
			look(carried, 'output access token(s) outside execution data', [
				...outputs.filter((output) => !output.execute),
				...n8nFolder.filter((file) => !file.where.includes('database.sqlite')),
				...tables.filter((table) => !table.where.includes('execution')),
				...exported.filter((table) => !table.where.includes('execution')),
				{ where: 'export:workflow', text: workflowsExport },
			]);
			const databaseFiles = new Set(n8n.dbFiles());
			const perDatabaseFile = n8nFolder
				.filter((file) => databaseFiles.has(join(n8n.runDir, file.where)))
				.map((file) => `${file.where.split('/').at(-1)} ${found(carried, file).length}`)
				.join(', ');
			console.log(
				`e2e n8n ${suite.version} secrets: output access tokens found in execution_data ${inDatabase.length} of ${carried.length} (as bytes in the database files: ${perDatabaseFile}); looked for ${refreshTokens.length} refresh tokens and ${hidden.length + carried.length} access tokens (${carried.length} of them carried by Get/Refresh outputs) in ${n8nFolder.length} files of n8n's folder (${Math.round(n8nFolder.reduce((sum, file) => sum + file.bytes.length, 0) / 1024)} KiB), ${tables.length} database tables, ${exported.length} exported tables, the workflow export and the output of ${n8n.commands.length} n8n commands`,
			);
			assert.deepEqual(leaks, [], `secrets found: ${leaks.join('; ')}`);
		},
	);
}
