// The queue test's workflows and the names the checks look them up by: the keep-alive (the one
// writer), the reader (Webhook → HTTP Request with the credential), the control reader (a
// credential without keep-alive) and the waiter (Webhook → Plan → Run with Wait for Completion).
import * as wf from '../lib/workflows.mjs';

/** Access-token lifetime at the stand-in, for minted and refreshed tokens alike. */
export const TOKEN_TTL_SECONDS = 20;
/** The keep-alive schedule: 2/3 of the token lifetime. */
export const KEEP_ALIVE_SECONDS = Math.floor((2 / 3) * TOKEN_TTL_SECONDS);

export const CRED = { id: 'aacQueue', name: 'AAC queue mode (Refresh Operation Only)' };
/** The control: same mode, an expired access token, and no keep-alive. Its readers must fail. */
export const CONTROL_CRED = {
	id: 'aacQueueNoKeep',
	name: 'AAC queue mode, no keep-alive (control)',
};
export const KEEP_ALIVE_ID = 'aacKeepAlive';
export const READER_ID = 'aacReader';
export const CONTROL_READER_ID = 'aacReaderNoKeep';
export const WAITER_ID = 'aacWaiter';
export const WEBHOOK_PATH = 'aac-queue-reader';
export const CONTROL_WEBHOOK_PATH = 'aac-queue-no-keep-alive';
export const WAITER_WEBHOOK_PATH = 'aac-queue-run-and-wait';
export const WORKFLOW_IDS = [KEEP_ALIVE_ID, READER_ID, CONTROL_READER_ID, WAITER_ID];

const scheduleEvery = (name, everySeconds) => ({
	id: 'queue-schedule',
	name,
	type: 'n8n-nodes-base.scheduleTrigger',
	typeVersion: 1.2,
	position: [0, 0],
	parameters: { rule: { interval: [{ field: 'seconds', secondsInterval: everySeconds }] } },
});

const webhook = (name, path) => ({
	// Node ids go into varchar(36) columns (workflow_publication_trigger_status): keep them short.
	id: `wh-${path}`.slice(0, 36),
	name,
	type: 'n8n-nodes-base.webhook',
	typeVersion: 2,
	position: [0, 0],
	webhookId: path,
	// "Respond: When Last Node Finishes" with its first item: the caller sees the last node's outcome.
	parameters: {
		httpMethod: 'POST',
		path,
		responseMode: 'lastNode',
		responseData: 'firstEntryJson',
		options: {},
	},
});

/** The four workflows; `apiUrl` is where the readers' HTTP Request sends GET /v4/people/current. */
export function queueWorkflows(apiUrl) {
	const ref = wf.credentialRef(CRED.id, CRED.name);
	const controlRef = wf.credentialRef(CONTROL_CRED.id, CONTROL_CRED.name);
	const keepAlive = wf.chain(
		KEEP_ALIVE_ID,
		`AAC keep-alive: every ${KEEP_ALIVE_SECONDS} s → Refresh`,
		[
			scheduleEvery(`Every ${KEEP_ALIVE_SECONDS} seconds`, KEEP_ALIVE_SECONDS),
			wf.aacNode('Refresh tokens', 'refresh', ref),
		],
	);
	// The HTTP Request's failures (any status, and errors such as the expired-token message) become
	// its output, so the webhook answers with them instead of a bare "workflow failed".
	const reader = wf.chain(READER_ID, 'AAC reader: Webhook → HTTP Request (predefined credential)', [
		webhook('Webhook', WEBHOOK_PATH),
		wf.httpWithCredential('Who am I', apiUrl, ref, {
			neverError: true,
			onError: 'continueRegularOutput',
		}),
	]);
	const controlReader = wf.chain(CONTROL_READER_ID, 'AAC reader without keep-alive (control)', [
		webhook('Webhook', CONTROL_WEBHOOK_PATH),
		wf.httpWithCredential('Who am I', apiUrl, controlRef, {
			neverError: true,
			onError: 'continueRegularOutput',
		}),
	]);
	// No Continue On Fail here: a wait that fails must fail its execution, which the checks count.
	const waiter = wf.chain(WAITER_ID, 'AAC waiter: Webhook → Plan → Run, Wait for Completion', [
		webhook('Webhook', WAITER_WEBHOOK_PATH),
		wf.aacOperation(
			'Run plan and wait',
			{
				resource: 'plan',
				operation: 'run',
				planId: { __rl: true, mode: 'id', value: '={{ $json.body.planId }}' },
				waitForCompletion: true,
				options: {},
			},
			ref,
		),
	]);
	return [keepAlive, reader, controlReader, waiter];
}
