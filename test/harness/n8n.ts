/**
 * The n8n harness: n8n workflow JSON run in n8n-core's real engine (WorkflowExecute) inside the
 * jest process. The parts live in their own modules; this index keeps the names tests import.
 *
 * - harness.ts: createHarness (runWorkflow, loadOptionsContext, pollOnce, poller, triggerAdditionalData, nodeTypes, logs), RunResult
 * - credentialStore.ts: CredentialStore, the in-memory credentials table
 * - credentialsHelper.ts: HarnessCredentialsHelper, a mirror of n8n's CredentialsHelper; SaveSemantics
 * - logger.ts: the logger n8n-core logs through, into each harness's `logs`
 */
export { createHarness, setUpProcessOnce, type HarnessOptions, type RunResult } from './harness';
export { CredentialStore, type StoredCredential } from './credentialStore';
export { HarnessCredentialsHelper, type SaveSemantics } from './credentialsHelper';
