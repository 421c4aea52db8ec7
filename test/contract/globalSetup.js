'use strict';
// jest globalSetup: the time zone of the test workers, and a fresh folder where every stand-in of the run records the shape of each
// request it served (standin/api.mjs, AAC_CONTRACT_RECORD_DIR); globalTeardown.js compares them with
// AAC's contract (standin/contract.json).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async function globalSetup() {
	// Every test worker runs far from UTC (workers take the time zone from their environment): a
	// time read in n8n's local zone where AAC meant UTC shows as an error of hours.
	process.env.TZ = 'Pacific/Auckland';
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aac-contract-'));
	process.env.AAC_CONTRACT_RECORD_DIR = dir;
};
