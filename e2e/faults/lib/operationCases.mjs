// The cases of e2e/faults/operations.e2e.mjs: what the fault proxy does to the run POST and the
// status polls of Plan → Run with Wait for Completion, and what each case must end with.
import { ONLY, selected } from './bench.mjs';

/**
 * The operations under faults: Plan → Run with Wait for Completion, through the proxy in front of
 * the stand-in's API, each case on its own plan (so the stand-in's runs per plan are the case's).
 * post / poll: what the proxy does with the run POST / the status GETs of the case's access token
 * (the last step repeats). expect.message: the node error (null: Complete). Every case: exactly
 * one run started in AAC, one POST per x-execution-id reaching AAC, 0 reuse detections.
 * Poll faults the transport retries (5xx, 429, reset) come 6 times in a row: more than one poll's
 * 4 attempts, so one poll fails and the wait goes on. Answers that are not a status (HTML passed
 * off as 200, cut JSON) come 3 times: each is one failed poll, 5 in a row would end the wait.
 */
const times = (count, step) => Array.from({ length: count }, () => step);
export const POLL_OPTIONS = {
	pollIntervalSeconds: 0.5,
	maxPollIntervalSeconds: 1,
	maxWaitMinutes: 3,
};
export const RUN_POST = { method: 'POST', path: /^\/v4\/plans\/\d+\/run$/ };
export const STATUS_GET = { method: 'GET', path: /^\/v4\/planSnapshotRuns\/\d+$/ };
export const MAY_HAVE_STARTED = /^The run may have started: POST \/v4\/plans\/\d+\/run /;
export const OPERATIONS = selected([
	{
		key: 'post refused',
		title: 'run POST: connection refused (never sent)',
		refuseMs: 1000,
		expect: { message: null, proxyPosts: 1 },
	},
	{
		key: 'post status:429:2',
		title: 'run POST: 429 with x-retry-after: 2, then AAC',
		post: ['status:429:2', 'pass'],
		expect: { message: null, proxyPosts: 2, retryAfterMs: 2000 },
	},
	{
		key: 'post forwardThenReset',
		title: 'run POST: AAC started the run, then the connection was reset',
		post: ['forwardThenReset'],
		expect: { message: MAY_HAVE_STARTED, proxyPosts: 1 },
	},
	{
		key: 'post forwardThen:502',
		title: 'run POST: AAC started the run, then a gateway answered 502',
		post: ['forwardThen:502'],
		expect: { message: MAY_HAVE_STARTED, proxyPosts: 1 },
	},
	{
		key: 'poll status:500',
		title: 'status poll: 500, 6 times in a row',
		poll: [...times(6, 'status:500'), 'pass'],
		expect: { message: null, pollFaults: 6 },
	},
	{
		key: 'poll status:503',
		title: 'status poll: 503, 6 times in a row',
		poll: [...times(6, 'status:503'), 'pass'],
		expect: { message: null, pollFaults: 6 },
	},
	{
		key: 'poll status:429:1',
		title: 'status poll: 429 with x-retry-after: 1, 6 times in a row',
		poll: [...times(6, 'status:429:1'), 'pass'],
		expect: { message: null, pollFaults: 6 },
	},
	{
		key: 'poll reset',
		title: 'status poll: connection reset, 6 times in a row',
		poll: [...times(6, 'reset'), 'pass'],
		expect: { message: null, pollFaults: 6 },
	},
	{
		key: 'poll htmlPage:200',
		title: 'status poll: an HTML sign-in page as 200, 3 times',
		poll: [...times(3, 'htmlPage:200'), 'pass'],
		expect: { message: null, pollFaults: 3 },
	},
	{
		key: 'poll truncatedJson',
		title: 'status poll: cut-off JSON as 200, 3 times',
		poll: [...times(3, 'truncatedJson'), 'pass'],
		expect: { message: null, pollFaults: 3 },
	},
	{
		key: 'neverFinal',
		title: 'the run never ends (Max Wait 0.1 minutes)',
		runningMs: 3_600_000,
		options: { maxWaitMinutes: 0.1 },
		expect: {
			message: /^Gave up waiting for plan run \d+ after 0\.1 minutes \(last status InProgress\)$/,
			stillRunning: true,
		},
	},
	// The access token is revoked after the first poll: every later request with it answers 401.
	{
		key: 'poll unauthorized',
		title: 'access token revoked mid-wait (401 from then on)',
		poll: ['pass', 'unauthorized'],
		expect: { message: null, pollFaults: 1, tokenRequests: 1 },
	},
]);
/** kill -9 of n8n during a wait, then Plan Run → Wait on the run's id in a new execution. */
export const KILL_DURING_WAIT = !ONLY || ONLY.has('killDuringWait');
export const FIRST_OPERATION_PLAN = 2; // plan 1 is the stand-in's default demo plan
