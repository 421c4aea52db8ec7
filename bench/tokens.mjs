// 8. Token calls across the operations scenarios (sections 5–7): every scenario starts with an
// expired access token and must make exactly one token request per access-token lifetime its
// requests span (ops.mjs lifetimesSpanned: the physical limit), with no reuse detection and no
// invalid_grant. run.mjs exits non-zero when a scenario does not.

/** Totals and the scenarios that broke the rule, as messages. */
export function checkTokenRecords(records) {
	const violations = [];
	for (const r of records) {
		const { lo, hi } = r.spanned;
		if (r.tokenRequests < lo || r.tokenRequests > hi) {
			violations.push(
				`${r.label}: ${r.tokenRequests} token requests for ${lo === hi ? lo : `${lo}–${hi}`} lifetimes spanned (${r.requests} requests over ${(r.spanMs / 1000).toFixed(1)} s)`,
			);
		}
		if (r.reuseDetections !== 0 || r.invalidGrants !== 0) {
			violations.push(
				`${r.label}: ${r.reuseDetections} reuse detections, ${r.invalidGrants} invalid_grant answers`,
			);
		}
	}
	const sum = (pick) => records.reduce((a, r) => a + pick(r), 0);
	return {
		scenarios: records.length,
		requests: sum((r) => r.requests),
		tokenRequests: sum((r) => r.tokenRequests),
		spannedLo: sum((r) => r.spanned.lo),
		spannedHi: sum((r) => r.spanned.hi),
		multiLifetimeScenarios: records.filter((r) => r.spanned.lo > 1).length,
		maxSpanned: Math.max(0, ...records.map((r) => r.spanned.hi)),
		reuseDetections: sum((r) => r.reuseDetections),
		invalidGrants: sum((r) => r.invalidGrants),
		violations,
	};
}
