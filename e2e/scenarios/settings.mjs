// What the e2e suite's scenarios share: token lifetimes, round counts and the credentials they use.
// The suite (e2e/lib/suite.mjs) imports these credentials and the workflows built from them once,
// in its before(); the results table it writes quotes the same figures.

export const REMEDY = 'User Preferences → OAuth 2.0 API Tokens';
export const CHAIN_STEPS = 10;
/**
 * Access-token lifetime in the chain: shorter than one chain step (an execution plus an export,
 * two n8n boots), so every execution finds the stored token expired and must use the pair the
 * previous process stored; odd steps refresh in HTTP Request's preAuthentication, even ones in our node.
 */
export const CHAIN_TTL_SECONDS = 5;
/** Access-token lifetime the 50-item run's one refresh issues: longer than the run takes. */
export const ITEMS_TTL_SECONDS = 300;
export const ROUNDS = 20;
/** Rounds start on the ticks of a wall clock with this period, in both processes at once. */
export const ROUND_PERIOD_SECONDS = 2;
/** Refresh-operation-only: a writer refreshing every ~2 s keeps 6 s tokens valid for the reader. */
export const OP_ONLY_TTL_SECONDS = 6;
/** Automatic: both processes are readers; tokens expire between rounds, so both keep refreshing. */
export const AUTOMATIC_TTL_SECONDS = 4;

export const CRED = {
	chain: { id: 'e2eChain', name: 'AAC e2e chain' },
	items: { id: 'e2eItems50', name: 'AAC e2e 50 items' },
	// The examples reference the credential by this name; the import maps their placeholder id to it.
	example: { id: 'e2eExample', name: 'Alteryx Analytics Cloud' },
	revoked: { id: 'e2eRevoked', name: 'AAC e2e revoked' },
	opOnly: { id: 'e2eMpOpOnly', name: 'AAC e2e multi-process refresh operation only' },
	automatic: { id: 'e2eMpAuto', name: 'AAC e2e multi-process automatic' },
};

export const seconds = (ms) => Math.round(ms / 100) / 10;
