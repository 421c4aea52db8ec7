// The queue test's workflows and the names the checks look them up by: the Token Keeper (the one
// writer, examples/token-keeper.json), the reader (Webhook → HTTP Request with the credential), the
// control reader (a credential without keeper) and the waiter (Webhook → Plan → Run with Wait for
// Completion).
import * as wf from '../lib/workflows.mjs';

/**
 * Access-token lifetime at the stand-in, for minted and refreshed tokens alike. The keeper polls
 * every minute (the shortest n8n allows) and refreshes when a third of the lifetime is left: a
 * 240-s token is refreshed between 80 and 20 s before it expires, as AAC's 5-minute one is between
 * 100 and 40 s before.
 */
export const TOKEN_TTL_SECONDS = 240;

export const CRED = { id: 'aacQueue', name: 'AAC queue mode (Refresh Operation Only)' };
/** The control: same mode, an expired access token, and no keeper. Its readers must fail. */
export const CONTROL_CRED = {
	id: 'aacQueueNoKeep',
	name: 'AAC queue mode, no keeper (control)',
};
export const KEEPER_ID = 'aacKeeper';
export const READER_ID = 'aacReader';
export const CONTROL_READER_ID = 'aacReaderNoKeep';
export const WAITER_ID = 'aacWaiter';
export const WEBHOOK_PATH = 'aac-queue-reader';
export const CONTROL_WEBHOOK_PATH = 'aac-queue-no-keep-alive';
export const WAITER_WEBHOOK_PATH = 'aac-queue-run-and-wait';
export const WORKFLOW_IDS = [KEEPER_ID, READER_ID, CONTROL_READER_ID, WAITER_ID];

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
	// The example as users import it, on this credential: polls every minute, nothing after it.
	const keeper = wf.example('token-keeper.json', KEEPER_ID);
	keeper.nodes[0].credentials = ref;
	// The HTTP Request's failures (any status, and errors such as the expired-token message) become
	// its output, so the webhook answers with them instead of a bare "workflow failed".
	const reader = wf.chain(READER_ID, 'AAC reader: Webhook → HTTP Request (predefined credential)', [
		webhook('Webhook', WEBHOOK_PATH),
		wf.httpWithCredential('Who am I', apiUrl, ref, {
			neverError: true,
			onError: 'continueRegularOutput',
		}),
	]);
	const controlReader = wf.chain(CONTROL_READER_ID, 'AAC reader without keeper (control)', [
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
	return [keeper, reader, controlReader, waiter];
}
