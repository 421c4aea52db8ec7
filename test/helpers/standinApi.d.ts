// Types of standinApi.js: controls of the AAC stand-in's v4 API (standin/api.mjs, a hand-written
// fake of AAC's API; see standin/README.md) and a loopback webhook receiver.
import type { StandIn } from './standin';

export type RunOutcome = 'Complete' | 'Failed' | 'Canceled';
export type RunStatus = 'Created' | 'InProgress' | RunOutcome;

export interface RunBehaviour {
	/** How long a run stays Created. */
	queuedMs?: number;
	/** How long it then stays InProgress. */
	runningMs?: number;
	outcome?: RunOutcome;
	/** errorMessage of a failed job group's first job. */
	failureReason?: string;
}

/** One seeded entity: id and public fields, plus stand-in-only keys. */
export interface SeedFixture {
	id?: number;
	name?: string;
	run?: RunBehaviour;
	ownership?: 'owned' | 'shared';
	/** recipes: the flow they belong to. */
	flowId?: number;
	/** plans: 'MissingFlowReferences' makes a run POST start nothing. */
	validationStatus?: string;
	/** recipes: a run without `overrides` answers 400 ValidationFailed. */
	rejectRunWithoutOverrides?: boolean;
	/** connections: false makes /status answer 400. */
	healthy?: boolean;
	[field: string]: unknown;
}

/** A number generates that many (with timestamps, creators, ownership); an array gives fixtures. */
export interface ApiSeed {
	plans?: number | SeedFixture[];
	recipes?: number | SeedFixture[];
	flows?: number | SeedFixture[];
	connections?: number | SeedFixture[];
}

export interface QuotaLimits {
	user: number | null;
	workspace: number | null;
}

export interface ApiOptions {
	seed?: ApiSeed;
	/** Page size when `limit` is absent (AAC: 25). */
	defaultPageSize?: number;
	/** Largest page the server serves whatever `limit` asks (null: no cap). */
	maxPageSize?: number | null;
	/** Per endpoint name (runPlan, runJobGroup, runFlow, or any other endpoint name). */
	quotas?: Record<string, QuotaLimits | null>;
	/** Start with the API clock frozen (moves only by advance). */
	freezeClock?: boolean;
	/** API milliseconds per real millisecond (default 1). */
	timeScale?: number;
	/** What /flowRuns/{id}/status says while job groups run (the spec's enum has no InProgress). */
	flowRunRunningStatus?: string;
}

export interface ApiCounters {
	requests: Record<string, number>;
	responses: Record<string, number>;
	tooManyRequests: number;
	notModified: number;
	runsStarted: { plan: Record<string, number>; recipe: Record<string, number>; flow: Record<string, number> };
	postsPerExecutionId: Record<string, number>;
	cancels: { planRun: number; jobGroup: number };
	webhookDeliveries: number;
	faultsServed: number;
}

export interface FaultSpec {
	/** Endpoint name, e.g. runPlan, listPlans, getPlanSnapshotRun. */
	endpoint: string;
	status?: number;
	/** Destroy the socket instead of answering. */
	reset?: boolean;
	/** before: answer without processing; after: process (a run starts), then answer the fault. */
	phase?: 'before' | 'after';
	/** How many requests it hits (default 1; null: until cleared). */
	times?: number | null;
	retryAfterSeconds?: number;
	/** Extra response headers, e.g. { 'retry-after': '2' }. */
	headers?: Record<string, string>;
	name?: string;
	message?: string;
}

export interface WebhookDelivery {
	taskId: number;
	jobGroupId: number;
	flowId: number;
	status: RunStatus;
	url: string;
	method: string;
	attempts: number;
	responseStatus: number | null;
	error: string | null;
	deliveredAt: string | null;
	/** The index of the delivery this one repeats (repeatWebhookDelivery), else null. */
	repeatOf: number | null;
}

/** A webhook task as GET /v4/webhookFlowTasks/{id} answers it, plus whether it signs. */
export interface WebhookTask {
	id: number;
	name: string;
	flow: { id: number };
	url: string;
	method: string;
	triggerEvent: string;
	triggerObject: string;
	flowNodeIds: number[];
	body: string;
	headers: Record<string, string>;
	sslVerification: boolean;
	retryOnFailure: boolean;
	signed: boolean;
}

export interface ClockState {
	now: number;
	frozen: boolean;
	timeScale: number;
}

export interface StandInApi {
	counters(): Promise<ApiCounters>;
	resetCounters(): Promise<unknown>;
	settings(): Promise<Required<ApiOptions>>;
	configure(patch: Omit<ApiOptions, 'seed' | 'freezeClock'>): Promise<unknown>;
	setFixture(spec: { kind: 'plan' | 'recipe' | 'flow' | 'connection'; id?: number } & RunBehaviour & Partial<SeedFixture>): Promise<unknown>;
	finishRun(spec: { kind: 'planRun' | 'jobGroup'; id: number; outcome: RunOutcome }): Promise<{ changed: boolean; status: RunStatus }>;
	startRun(spec: { kind: 'plan' | 'recipe' | 'flow'; id: number; ranfrom?: string; otherUser?: boolean }): Promise<Record<string, unknown>>;
	runs(): Promise<{ planRuns: Array<Record<string, unknown>>; jobGroups: Array<Record<string, unknown>>; flowRuns: Array<Record<string, unknown>> }>;
	clock(spec?: { advanceMs?: number; setMs?: number; freeze?: boolean; timeScale?: number }): Promise<ClockState>;
	advance(ms: number): Promise<ClockState>;
	addFault(spec: FaultSpec): Promise<FaultSpec & { id: number; served: number }>;
	faults(): Promise<Array<FaultSpec & { id: number; served: number }>>;
	clearFaults(): Promise<unknown>;
	webhookDeliveries(): Promise<WebhookDelivery[]>;
	/** Waits for deliveries in flight, then lists all. */
	flushWebhooks(): Promise<WebhookDelivery[]>;
	/** Sends delivery `index` (default the last) again, as AAC repeating it; resolves once settled. */
	repeatWebhookDelivery(index?: number): Promise<WebhookDelivery>;
	/** Every webhook task (AAC has no list route; admin only). */
	webhookTasks(): Promise<WebhookTask[]>;
	/** Drops runs, tasks, faults, counters, quota windows; reseeds (same seed unless given). */
	reset(seed?: ApiSeed): Promise<unknown>;
}

export function standInApi(standIn: StandIn): StandInApi;

export interface ReceivedRequest {
	method: string;
	path: string;
	headers: Record<string, string | string[] | undefined>;
	body: string;
}

export interface WebhookReceiver {
	url: string;
	status: number;
	received: ReceivedRequest[];
	waitFor(n: number, timeoutMs?: number): Promise<void>;
	close(): Promise<void>;
}

export function startWebhookReceiver(opts?: { status?: number }): Promise<WebhookReceiver>;
