// The two worlds of the AAC stand-in. Where AAC's contract (standin/contract.json) is silent, the
// package must be right whichever way AAC turns out, so the stand-in can answer either way:
// - strict (the default): what the spec documents, and the harshest plausible reading of every
//   unknown (the contract's `unknowns`, one flag each below);
// - generous: AAC does what the package once hoped.
// Tests that touch an unknown run in both and must pass in both.

export const WORLDS = Object.freeze({
	strict: Object.freeze({
		/** unknown commaStatusList: `status=A,B` is one literal status (matches nothing). */
		commaStatusList: false,
		/** unknown planRunDateFilter: /v4/planSnapshotRuns ignores every dateFilter key. */
		planRunDateFilter: false,
		/** /v4/jobLibrary: the operators its example documents. */
		jobLibraryDateOps: Object.freeze(['gte', 'lt']),
		/** unknown largestPageSize: the most one page holds, whatever `limit` asks. */
		maxPageSize: 25,
		/** unknown defaultSort: run lists oldest first, `sort` ignored. */
		runListOrder: 'asc',
		honourSort: false,
		/** unknown jobRowFlow: `embed` on /v4/jobLibrary answers 400; rows carry wrangledDataset { id }. */
		jobLibraryEmbed: false,
		jobRowFlow: false,
		/** unknown planRunWho: plan runs carry no creator and no ranfrom. */
		planRunWho: false,
		/** unknown recipeName: recipes carry recipe.name only. */
		topLevelRecipeName: false,
		/** unknown defaultOwnership: without a filter, plans and flows lists hold the user's own. */
		defaultOwnership: 'owned',
		/** unknown planNodeOverrideValue: a bare string value answers 400. */
		stringOverrideValue: false,
		/** unknown bodylessPostContentType: a POST without content-type: application/json answers 415. */
		requireJsonContentType: true,
		/** unknown webhookBody / webhookSignature: the task's body verbatim, no signature header. */
		webhookVariables: false,
		webhookSignature: false,
		/** unknown goneTask: a deleted webhook task answers 410. */
		goneTaskStatus: 410,
		/** unknown syncFlowRun: a flow run POST without runAsync=true answers after this long (real ms). */
		syncFlowRunDelayMs: 61_000,
	}),
	generous: Object.freeze({
		commaStatusList: true,
		planRunDateFilter: true,
		jobLibraryDateOps: Object.freeze(['gte', 'gt', 'lte', 'lt']),
		maxPageSize: null,
		runListOrder: 'desc',
		honourSort: true,
		jobLibraryEmbed: true,
		jobRowFlow: true,
		planRunWho: true,
		topLevelRecipeName: true,
		defaultOwnership: 'all',
		stringOverrideValue: true,
		requireJsonContentType: false,
		webhookVariables: true,
		webhookSignature: true,
		goneTaskStatus: 404,
		syncFlowRunDelayMs: 0,
	}),
});

export function worldOf(name) {
	const world = WORLDS[name ?? 'strict'];
	if (!world) throw new TypeError(`world must be one of ${Object.keys(WORLDS).join(', ')}`);
	return world;
}
