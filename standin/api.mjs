// The AAC v4 API stand-in: a stateful, hand-written fake of the endpoints the node uses, written
// from Alteryx's OpenAPI spec, docs and logged live calls (see standin/README.md for what follows
// the spec and what is a guess). Mounted by standin/aac-standin.mjs under /v4 (API) and
// /__admin/api (test controls). The OAuth part of the stand-in is the real oidc-provider.
import { readBody, sendJson, requestId } from './http.mjs';
import {
	AacError,
	CURRENT_USER,
	DEFAULT_QUOTAS,
	OTHER_USER_ID,
	TERMINAL_STATUSES,
	WORKSPACE,
	buildSeed,
	checkBehaviour,
	createClock,
	createQuotas,
	dataNotFound,
	dateFilters,
	finishRunNow,
	isTerminal,
	iso,
	listPage,
	newRun,
	project,
	runTimes,
	statusFilter,
	validationFailed,
} from './state.mjs';
import { createWebhooks, validateTask } from './webhooks.mjs';
import { checkRequest, loadContract, requestShape } from './contract.mjs';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { worldOf } from './worlds.mjs';

const OWNERSHIP = ['all', 'shared', 'owned'];
const RAN_FROM = ['ui', 'schedule', 'api', 'plan'];
const RUN_ENDPOINTS = ['runPlan', 'runJobGroup', 'runFlow'];

function zeroCounters() {
	return {
		requests: {}, // endpoint name -> requests that passed the token check
		responses: {}, // HTTP status -> responses the API served
		tooManyRequests: 0, // 429s served (quota or injected fault)
		notModified: 0, // 304s served for a repeated x-execution-id
		runsStarted: { plan: {}, recipe: {}, flow: {} }, // id -> runs started through the API
		postsPerExecutionId: {}, // x-execution-id -> run POSTs carrying it that passed the token check (429s and faults included)
		cancels: { planRun: 0, jobGroup: 0 }, // cancel requests that canceled a running run
		webhookDeliveries: 0, // webhook deliveries finished (any outcome)
		faultsServed: 0,
		probes: {}, // unknown -> requests that probed it (the compatibility check)
	};
}

const bump = (map, key) => {
	map[key] = (map[key] ?? 0) + 1;
};

export function createAacApi(options = {}) {
	const clock = createClock({
		now: options.now,
		frozen: options.freezeClock === true,
		timeScale: options.timeScale ?? 1,
	});
	const now = clock.now;
	const settings = {
		// Which reading of AAC's unknowns the API follows (standin/worlds.mjs).
		world: options.world ?? 'strict',
		defaultPageSize: options.defaultPageSize ?? 25,
		// undefined: the world's (strict: 25); null: no cap; a number: that cap.
		maxPageSize: options.maxPageSize,
		quotas: structuredClone({ ...DEFAULT_QUOTAS, ...(options.quotas ?? {}) }),
		// A server (or cache) that ignores `offset`: every page is the first (a hostile answer).
		ignoreOffset: options.ignoreOffset === true,
		// The spec's flow-run status enum has no InProgress: Created | Complete | Failed | Canceled.
		flowRunRunningStatus: options.flowRunRunningStatus ?? 'Created',
	};
	let world = worldOf(settings.world);
	/** Paging as this world serves it (listPage's settings). */
	const paging = () => ({
		defaultPageSize: settings.defaultPageSize,
		maxPageSize: settings.maxPageSize === undefined ? world.maxPageSize : settings.maxPageSize,
		ignoreOffset: settings.ignoreOffset,
	});
	const contract = loadContract();
	// The suite-wide record of request shapes (test/contract: globalSetup sets the folder).
	const recordDir =
		'recordDir' in options ? options.recordDir : process.env.AAC_CONTRACT_RECORD_DIR;
	const recorded = new Set();
	// Requests the contract does not describe ({ endpoint, request, problems }), kept across
	// counter resets and resets of the API: only contractViolations({ clear: true }) drops them.
	let contractViolations = [];
	let seedOptions = options.seed ?? {};
	let db;
	let counters = zeroCounters();
	const quotas = createQuotas();
	let faults = [];
	let nextFaultId = 1;
	const webhooks = createWebhooks({
		now,
		iso,
		world: () => world,
		onDelivery: () => {
			counters.webhookDeliveries += 1;
		},
	});

	function resetState(seed = seedOptions) {
		seedOptions = seed;
		const seeded = buildSeed(seed, now());
		db = {
			...seeded,
			planRuns: new Map(),
			jobGroups: new Map(),
			flowRuns: new Map(),
			executionIds: new Map(), // `${kind}|${executionId}` -> run id
			pending: new Set(), // job groups and plan runs not yet seen terminal
			nextId: { planRun: 1, jobGroup: 1, job: 1, flowRun: 1 },
		};
		counters = zeroCounters();
		quotas.clear();
		faults = [];
		webhooks.reset();
	}
	resetState();

	// --- lifecycle --------------------------------------------------------------------------------
	// Fires the "finished" side effects (webhooks) once per run; runs on every request, on clock
	// moves, and on a short real-time tick so webhooks go out without anyone polling.
	function settle() {
		const t = now();
		for (const run of db.pending) {
			const { status } = runTimes(run, t);
			if (!isTerminal(status)) continue;
			db.pending.delete(run);
			run.settled = true;
			if (run.kind === 'jobGroup') {
				const recipe = db.recipes.get(run.recipeId);
				const flow = db.flows.get(recipe.flowId);
				webhooks.jobGroupFinished({
					jobGroupId: run.id,
					recipeId: run.recipeId,
					flowId: flow.id,
					flowName: flow.view.name,
					flowRunId: run.flowRunId,
					status,
				});
			}
		}
	}
	const ticker = setInterval(settle, 100);
	ticker.unref?.();

	const planRunView = (run, t = now()) => {
		const { status, startedAtMs, finishedAtMs, updatedAtMs } = runTimes(run, t);
		return {
			id: run.id,
			status,
			createdAt: iso(run.createdAtMs),
			startedAt: startedAtMs === null ? null : iso(startedAtMs),
			finishedAt: finishedAtMs === null ? null : iso(finishedAtMs),
			submittedAt: iso(run.createdAtMs),
			updatedAt: iso(updatedAtMs),
			scheduleHistoryId: null,
			failedToCancelSomeJobs: false,
			plan: { id: run.planId },
			// The spec's PlanSnapshotRun has neither (unknown planRunWho).
			...(world.planRunWho ? { creator: { id: run.creatorId }, ranfrom: run.ranfrom } : {}),
		};
	};

	// A recipe as /v4/wrangledDatasets serves it: the spec's WrangledDataset has no top-level name
	// (unknown recipeName); Trifacta's examples carry it as recipe.name.
	const recipeView = (recipe) => {
		const { name, ...rest } = recipe.view;
		return {
			...rest,
			...(world.topLevelRecipeName && name !== undefined ? { name } : {}),
			recipe: { name: name ?? null },
			wrangled: true,
		};
	};

	const jobViews = (jg, t = now()) => {
		const { status, updatedAtMs } = runTimes(jg, t);
		return jg.jobIds.map((id, i) => ({
			id,
			status,
			jobType: i === 0 ? 'wrangle' : 'filewriter',
			createdAt: iso(jg.createdAtMs),
			updatedAt: iso(updatedAtMs),
			jobGroup: { id: jg.id },
			// Guess: where AAC puts a failed job's reason is not in the spec.
			...(status === 'Failed' && i === 0 ? { errorMessage: jg.failureReason } : {}),
		}));
	};

	// libraryRow: a /v4/jobLibrary row; in the generous world it names its flow (unknown jobRowFlow).
	const jobGroupView = (jg, q, t = now(), { libraryRow = false } = {}) => {
		const { status, updatedAtMs } = runTimes(jg, t);
		const embed = (q?.get('embed') ?? '').split(',').map((s) => s.trim());
		const recipe = db.recipes.get(jg.recipeId);
		const view = {
			id: jg.id,
			name: null,
			description: null,
			ranfrom: jg.ranfrom,
			ranfor: 'recipe',
			status,
			createdAt: iso(jg.createdAtMs),
			// A touch after the run finished moves updatedAt on (admin touch-run; unknown jobGroupFinishTime).
			updatedAt: iso(Math.max(updatedAtMs, jg.touchedAtMs ?? 0)),
			creator: { id: jg.creatorId },
			wrangledDataset: embed.includes('wrangledDataset') ? recipeView(recipe) : { id: jg.recipeId },
			flowrun: jg.flowRunId ? { id: jg.flowRunId } : null,
			...(embed.includes('jobs') ? { jobs: { data: jobViews(jg, t) } } : {}),
		};
		if (libraryRow && world.jobRowFlow) {
			view.flowId = recipe.flowId;
			view.wrangledDataset = {
				id: recipe.id,
				name: recipe.view.name ?? null,
				flow: { id: recipe.flowId },
			};
		}
		return view;
	};

	const flowRunStatus = (fr, t = now()) => {
		const statuses = fr.jobGroupIds.map((id) => runTimes(db.jobGroups.get(id), t).status);
		if (!statuses.every(isTerminal)) return settings.flowRunRunningStatus;
		if (statuses.includes('Failed')) return 'Failed';
		if (statuses.includes('Canceled')) return 'Canceled';
		return 'Complete';
	};

	const flowRunView = (fr) => ({
		id: fr.id,
		createdAt: iso(fr.createdAtMs),
		updatedAt: iso(fr.createdAtMs),
		scheduleExecutionId: null,
		requestId: fr.requestId,
		flow: { id: fr.flowId },
	});

	const jobGroupStarted = (jg) => ({
		id: jg.id,
		reason: 'JobStarted',
		sessionId: jg.sessionId,
		jobGraph: { vertices: [...jg.jobIds], edges: [{ source: jg.jobIds[0], target: jg.jobIds[1] }] },
		jobs: { data: jg.jobIds.map((id) => ({ id })) },
	});

	// --- starting runs ----------------------------------------------------------------------------
	function startPlanRun(
		plan,
		{
			overrides = [],
			executionId = null,
			ranfrom = 'api',
			creatorId = CURRENT_USER.id,
			neverRuns = false,
		} = {},
	) {
		const run = newRun(
			{
				kind: 'planRun',
				id: db.nextId.planRun++,
				planId: plan.id,
				planNodeOverrides: overrides,
				executionId,
				ranfrom,
				creatorId,
			},
			neverRuns ? { ...plan.run, queuedMs: Number.POSITIVE_INFINITY } : plan.run,
			now(),
		);
		db.planRuns.set(run.id, run);
		if (!neverRuns) db.pending.add(run);
		return run;
	}

	function startJobGroup(recipe, behaviour, extra = {}) {
		const jg = newRun(
			{
				kind: 'jobGroup',
				id: db.nextId.jobGroup++,
				recipeId: recipe.id,
				flowRunId: extra.flowRunId ?? null,
				ranfrom: extra.ranfrom ?? 'api',
				creatorId: extra.creatorId ?? CURRENT_USER.id,
				executionId: extra.executionId ?? null,
				request: extra.request ?? null,
				sessionId: requestId(),
				jobIds: [db.nextId.job++, db.nextId.job++],
				failureReason: behaviour.failureReason ?? 'Job failed (stand-in fixture outcome)',
			},
			behaviour,
			now(),
		);
		db.jobGroups.set(jg.id, jg);
		db.pending.add(jg);
		return jg;
	}

	function startFlowRun(flow, recipeIds, extra = {}) {
		const fr = {
			id: db.nextId.flowRun++,
			flowId: flow.id,
			createdAtMs: now(),
			requestId: requestId(),
			jobGroupIds: [],
			executionId: extra.executionId ?? null,
			request: extra.request ?? null,
		};
		db.flowRuns.set(fr.id, fr);
		const jobGroups = recipeIds.map((rid) =>
			startJobGroup(db.recipes.get(rid), flow.run, { ...extra, flowRunId: fr.id }),
		);
		fr.jobGroupIds = jobGroups.map((jg) => jg.id);
		return { fr, jobGroups };
	}

	// x-execution-id: a repeat for the same kind of run answers 304 and starts nothing [spec].
	function idempotent(kind, req) {
		const executionId = req.headers['x-execution-id'];
		if (typeof executionId !== 'string' || !executionId)
			return { executionId: null, repeat: false };
		return { executionId, repeat: db.executionIds.has(`${kind}|${executionId}`) };
	}
	const remember = (kind, executionId, id) => {
		if (executionId) db.executionIds.set(`${kind}|${executionId}`, id);
	};

	// --- request helpers ----------------------------------------------------------------------------
	const idOf = (m) => Number(m[1]);
	const get = (map, what, id) => {
		const entity = map.get(id);
		if (!entity) throw dataNotFound(what, id);
		return entity;
	};
	const ownershipFilter = (q, param) => {
		// Without the filter: the world's reading (unknown defaultOwnership).
		const value = q.get(param) ?? world.defaultOwnership;
		if (!OWNERSHIP.includes(value))
			throw validationFailed(`"${param}" must be one of ${OWNERSHIP.join(', ')}`);
		return (e) => value === 'all' || e.ownership === value;
	};
	const runByFilter = (q) => {
		const value = q.get('runBy') ?? 'all';
		if (!['all', 'currentUser'].includes(value))
			throw validationFailed('"runBy" must be all or currentUser');
		return (run) => value === 'all' || run.creatorId === CURRENT_USER.id;
	};
	const ranfromFilter = (q) => {
		const raw = q.get('ranfrom');
		if (!raw) return () => true;
		const wanted = world.commaStatusList ? raw.split(',').map((s) => s.trim()) : [raw];
		for (const w of wanted)
			if (!w.includes(',') && !RAN_FROM.includes(w))
				throw validationFailed(`"ranfrom" has an unknown value "${w}"`);
		return (run) => wanted.includes(run.ranfrom);
	};
	// embed: only the associations the contract names for the endpoint; anything else is the
	// documented ValidationFailed ("If you provide an invalid embedding, you will get an error").
	const checkEmbed = (q, allowed) => {
		const raw = q.get('embed');
		if (raw === null) return;
		for (const name of raw.split(',').map((s) => s.trim()))
			if (!allowed.includes(name))
				throw validationFailed(
					`No association ${name}! Valid associations are ${allowed.join(', ') || 'none'}`,
				);
	};
	const runListOptions = () => ({
		defaultSort: world.runListOrder === 'desc' ? '-id' : 'id',
		honourSort: world.honourSort,
	});
	const objectBody = (body) => {
		if (body === null || typeof body !== 'object' || Array.isArray(body))
			throw validationFailed('The request body must be a JSON object');
		return body;
	};
	const checkRunParameters = (rp, where) => {
		if (rp === undefined) return;
		const data = rp?.overrides?.data;
		if (
			!Array.isArray(data) ||
			!data.every((d) => d && typeof d.key === 'string' && 'value' in d)
		) {
			throw validationFailed(`"${where}" must be { overrides: { data: [{ key, value }] } }`);
		}
	};

	// A webhook task that is not there: one deleted before answers the world's status (unknown goneTask).
	const taskMissing = (id) =>
		webhooks.wasDeleted(id) && world.goneTaskStatus === 410
			? new AacError(410, 'GoneException', 'Gone', `WebhookFlowTask ${id} was deleted`)
			: dataNotFound('WebhookFlowTask', id);

	// --- routes -------------------------------------------------------------------------------------
	// [method, pattern, endpoint name (quota and counter key), handler(ctx) -> { status, body }]
	const routes = [
		['GET', /^\/v4\/people\/current$/, 'getCurrentPerson', () => ({ body: { ...CURRENT_USER } })],
		[
			'GET',
			/^\/v4\/workspaces\/current$/,
			'getCurrentWorkspace',
			() => ({ body: { ...WORKSPACE } }),
		],

		[
			'GET',
			/^\/v4\/plans$/,
			'listPlans',
			({ q }) => {
				const own = ownershipFilter(q, 'ownershipFilter');
				return {
					body: listPage(
						[...db.plans.values()].filter(own).map((p) => p.view),
						q,
						paging(),
					),
				};
			},
		],
		[
			'GET',
			/^\/v4\/plans\/(\d+)\/full$/,
			'getPlanFull',
			({ m, q }) => {
				const plan = get(db.plans, 'Plan', idOf(m));
				const runs = [...db.planRuns.values()].filter((r) => r.planId === plan.id);
				const latest = runs.at(-1);
				// Guess: the shape of the full plan (nodes/edges) is not in our sources.
				const nodes = plan.nodes ?? [
					{
						id: plan.id * 100 + 1,
						name: 'Flow task',
						taskType: 'flow',
						handle: `node-${plan.id}-1`,
					},
				];
				return {
					body: project(
						{
							...plan.view,
							nodes: { data: nodes },
							edges: { data: [] },
							...(latest ? { latestPlanSnapshotRun: planRunView(latest) } : {}),
						},
						q,
					),
				};
			},
		],
		[
			'POST',
			/^\/v4\/plans\/(\d+)\/run$/,
			'runPlan',
			({ m, req, body, principal }) => {
				const plan = get(db.plans, 'Plan', idOf(m));
				const b = body === undefined ? {} : objectBody(body);
				const overrides = b.planNodeOverrides ?? [];
				if (
					!Array.isArray(overrides) ||
					!overrides.every(
						(o) =>
							o &&
							typeof o === 'object' &&
							typeof o.handle === 'string' &&
							typeof o.overrideKey === 'string' &&
							'value' in o,
					)
				) {
					throw validationFailed(
						'"planNodeOverrides" must be an array of { handle, overrideKey, value }',
					);
				}
				// Unknown planNodeOverrideValue: the spec's other override values are objects.
				if (!world.stringOverrideValue && overrides.some((o) => typeof o.value !== 'object'))
					throw validationFailed(
						'"planNodeOverrides[].value" must be an object, e.g. { "variable": { "value": "..." } }',
					);
				const { executionId, repeat } = idempotent('planRun', req);
				if (repeat) return { status: 304 };
				// Spec: planSnapshotRunId is required in the answer, also with MissingFlowReferences; only
				// a valid plan is queued. Here the run is recorded and never leaves Created.
				if (plan.validationStatus !== 'Valid') {
					const never = startPlanRun(plan, {
						overrides,
						executionId,
						creatorId: principal.userId,
						neverRuns: true,
					});
					remember('planRun', executionId, never.id);
					return {
						status: 201,
						body: { validationStatus: plan.validationStatus, planSnapshotRunId: never.id },
					};
				}
				const run = startPlanRun(plan, { overrides, executionId, creatorId: principal.userId });
				remember('planRun', executionId, run.id);
				bump(counters.runsStarted.plan, plan.id);
				return { status: 201, body: { validationStatus: 'Valid', planSnapshotRunId: run.id } };
			},
		],
		[
			'GET',
			/^\/v4\/planSnapshotRuns$/,
			'listPlanSnapshotRuns',
			({ q }) => {
				checkEmbed(q, ['plan']);
				const runBy = runByFilter(q);
				const ranfrom = ranfromFilter(q);
				const status = statusFilter(q, world.commaStatusList);
				// Unknown planRunDateFilter: the strict world ignores every key.
				const dates = dateFilters(q, world.planRunDateFilter ? undefined : false);
				const t = now();
				const views = [...db.planRuns.values()]
					.filter((r) => runBy(r) && ranfrom(r))
					.map((r) => planRunView(r, t))
					.filter((v) => status(v) && dates(v));
				const page = listPage(views, q, paging(), runListOptions());
				// embed=plan as on GET /v4/planSnapshotRuns/{id} (the spec's embed applies to lists too).
				if ((q.get('embed') ?? '').split(',').includes('plan')) {
					for (const v of page.data) if (v.plan) v.plan = { ...db.plans.get(v.plan.id).view };
				}
				return { body: page };
			},
		],
		[
			'GET',
			/^\/v4\/planSnapshotRuns\/(\d+)$/,
			'getPlanSnapshotRun',
			({ m, q }) => {
				checkEmbed(q, ['plan']);
				const run = get(db.planRuns, 'PlanSnapshotRun', idOf(m));
				const view = planRunView(run);
				if ((q.get('embed') ?? '').split(',').includes('plan'))
					view.plan = { ...db.plans.get(run.planId).view };
				return { body: project(view, q) };
			},
		],
		[
			'POST',
			/^\/v4\/planSnapshotRuns\/(\d+)\/cancel$/,
			'cancelPlanSnapshotRun',
			({ m }) => {
				const run = get(db.planRuns, 'PlanSnapshotRun', idOf(m));
				const t = now();
				// Guess: cancelling a finished run answers the run unchanged.
				if (!isTerminal(runTimes(run, t).status)) {
					run.canceledAtMs = t;
					counters.cancels.planRun += 1;
				}
				return { body: planRunView(run, t) };
			},
		],

		[
			'GET',
			/^\/v4\/wrangledDatasets$/,
			'listWrangledDatasets',
			({ q }) => ({
				body: listPage([...db.recipes.values()].map(recipeView), q, paging()),
			}),
		],
		[
			'GET',
			/^\/v4\/wrangledDatasets\/(\d+)$/,
			'getWrangledDataset',
			({ m, q }) => ({ body: project(recipeView(get(db.recipes, 'WrangledDataset', idOf(m))), q) }),
		],

		[
			'POST',
			/^\/v4\/jobGroups$/,
			'runJobGroup',
			({ req, body, principal }) => {
				const b = objectBody(body ?? {});
				const recipeId = b.wrangledDataset?.id;
				if (!Number.isInteger(recipeId))
					throw validationFailed('"wrangledDataset.id" must be an integer');
				const recipe = get(db.recipes, 'WrangledDataset', recipeId);
				checkRunParameters(b.runParameters, 'runParameters');
				if (
					b.overrides !== undefined &&
					(typeof b.overrides !== 'object' || b.overrides === null)
				) {
					throw validationFailed('"overrides" must be an object');
				}
				const { executionId, repeat } = idempotent('jobGroup', req);
				if (repeat) return { status: 304 };
				if (recipe.rejectRunWithoutOverrides && b.overrides === undefined) {
					throw validationFailed(
						`Recipe ${recipe.id} has no output settings: pass "overrides" (stand-in fixture)`,
					);
				}
				const jg = startJobGroup(recipe, recipe.run, {
					executionId,
					creatorId: principal.userId,
					request: b,
				});
				remember('jobGroup', executionId, jg.id);
				bump(counters.runsStarted.recipe, recipe.id);
				return { status: 201, body: jobGroupStarted(jg) };
			},
		],
		[
			'GET',
			/^\/v4\/jobGroups\/(\d+)$/,
			'getJobGroup',
			({ m, q }) => {
				checkEmbed(q, ['jobs', 'wrangledDataset']);
				return { body: project(jobGroupView(get(db.jobGroups, 'JobGroup', idOf(m)), q), q) };
			},
		],
		[
			'GET',
			/^\/v4\/jobGroups\/(\d+)\/status$/,
			'getJobGroupStatus',
			({ m }) => ({ body: runTimes(get(db.jobGroups, 'JobGroup', idOf(m)), now()).status }),
		],
		[
			'GET',
			/^\/v4\/jobGroups\/(\d+)\/jobs$/,
			'getJobGroupJobs',
			({ m }) => ({ body: { data: jobViews(get(db.jobGroups, 'JobGroup', idOf(m))) } }),
		],
		[
			'GET',
			/^\/v4\/jobGroups\/(\d+)\/outputs$/,
			'getJobGroupOutputs',
			({ m }) => {
				const jg = get(db.jobGroups, 'JobGroup', idOf(m));
				const { status, finishedAtMs } = runTimes(jg, now());
				// Guess: files appear once the job group completed.
				const files =
					status === 'Complete'
						? [
								{
									uri: `s3://standin-bucket/outputs/jobgroup-${jg.id}/recipe-${jg.recipeId}.csv`,
									fileType: 'csv',
									isPrimaryOutput: true,
									createdAt: iso(finishedAtMs),
								},
							]
						: [];
				return { body: { files, tables: [] } };
			},
		],
		[
			'POST',
			/^\/v4\/jobGroups\/(\d+)\/cancel$/,
			'cancelJobGroup',
			({ m }) => {
				const jg = get(db.jobGroups, 'JobGroup', idOf(m));
				const t = now();
				let jobIds = [];
				if (!isTerminal(runTimes(jg, t).status)) {
					jg.canceledAtMs = t;
					jobIds = [...jg.jobIds];
					counters.cancels.jobGroup += 1;
				}
				return { body: { jobIds, jobgroupId: jg.id } };
			},
		],
		[
			'GET',
			/^\/v4\/jobLibrary$/,
			'getJobLibrary',
			({ q }) => {
				// `embed` is not a parameter of /v4/jobLibrary [spec]: the strict world refuses it.
				checkEmbed(q, world.jobLibraryEmbed ? ['wrangledDataset'] : []);
				const runBy = runByFilter(q);
				const ranfrom = ranfromFilter(q);
				const status = statusFilter(q, world.commaStatusList);
				const dates = dateFilters(q, {
					fields: ['createdAt', 'updatedAt'],
					ops: world.jobLibraryDateOps,
				});
				const t = now();
				const views = [...db.jobGroups.values()]
					.filter((jg) => runBy(jg) && ranfrom(jg))
					.map((jg) => jobGroupView(jg, q, t, { libraryRow: true }))
					.filter((v) => status(v) && dates(v));
				return { body: listPage(views, q, paging(), runListOptions()) };
			},
		],

		[
			'GET',
			/^\/v4\/flows$/,
			'listFlows',
			({ q }) => {
				const own = ownershipFilter(q, 'flowsFilter');
				return {
					body: listPage(
						[...db.flows.values()].filter(own).map((f) => f.view),
						q,
						paging(),
					),
				};
			},
		],
		[
			'GET',
			/^\/v4\/flows\/(\d+)$/,
			'getFlow',
			({ m, q }) => ({ body: project(get(db.flows, 'Flow', idOf(m)).view, q) }),
		],
		[
			'POST',
			/^\/v4\/flows\/(\d+)\/run$/,
			'runFlow',
			({ m, q, req, body, principal }) => {
				const flow = get(db.flows, 'Flow', idOf(m));
				const b = objectBody(body ?? {});
				checkRunParameters(b.runParameters, 'runParameters');
				const own = [...db.recipes.values()].filter((r) => r.flowId === flow.id).map((r) => r.id);
				let recipeIds = own;
				if (b.wrangledDatasetIds !== undefined) {
					if (
						!Array.isArray(b.wrangledDatasetIds) ||
						!b.wrangledDatasetIds.every((id) => own.includes(id))
					) {
						throw validationFailed(`"wrangledDatasetIds" must list recipes of flow ${flow.id}`);
					}
					recipeIds = b.wrangledDatasetIds;
				}
				if (recipeIds.length === 0) throw validationFailed(`Flow ${flow.id} has no recipe to run`);
				const { executionId, repeat } = idempotent('flowRun', req);
				if (repeat) return { status: 304 };
				const { fr, jobGroups } = startFlowRun(flow, recipeIds, {
					executionId,
					creatorId: principal.userId,
					request: b,
				});
				remember('flowRun', executionId, fr.id);
				bump(counters.runsStarted.flow, flow.id);
				return {
					status: 201,
					body: { flowRunId: fr.id, data: jobGroups.map(jobGroupStarted) },
					// Without runAsync the POST waits for the run (unknown syncFlowRun).
					delayMs: q.get('runAsync') === 'true' ? 0 : world.syncFlowRunDelayMs,
				};
			},
		],
		[
			'GET',
			/^\/v4\/flowRuns\/(\d+)$/,
			'getFlowRun',
			({ m, q }) => ({ body: project(flowRunView(get(db.flowRuns, 'FlowRun', idOf(m))), q) }),
		],
		[
			'GET',
			/^\/v4\/flowRuns\/(\d+)\/status$/,
			'getFlowRunStatus',
			({ m }) => ({ body: flowRunStatus(get(db.flowRuns, 'FlowRun', idOf(m))) }),
		],
		[
			'GET',
			/^\/v4\/flowRuns\/(\d+)\/jobGroups$/,
			'getFlowRunJobGroups',
			({ m, q }) => {
				const fr = get(db.flowRuns, 'FlowRun', idOf(m));
				const views = fr.jobGroupIds.map((id) => jobGroupView(db.jobGroups.get(id), q));
				return { body: listPage(views, q, paging()) };
			},
		],

		[
			'GET',
			/^\/v4\/connections$/,
			'listConnections',
			({ q }) => ({
				body: listPage(
					[...db.connections.values()].map((c) => c.view),
					q,
					paging(),
				),
			}),
		],
		[
			'GET',
			/^\/v4\/connections\/(\d+)$/,
			'getConnection',
			({ m, q }) => ({ body: project(get(db.connections, 'Connection', idOf(m)).view, q) }),
		],
		[
			'GET',
			/^\/v4\/connections\/(\d+)\/status$/,
			'getConnectionStatus',
			({ m }) => {
				const c = get(db.connections, 'Connection', idOf(m));
				// Spec: ConnectionSuccessInfo { result }. Guess: a failing connection answers 400.
				if (!c.healthy)
					throw validationFailed(`Connection ${c.id} could not connect (stand-in fixture)`);
				return { body: { result: 'ok' } };
			},
		],

		[
			'POST',
			/^\/v4\/webhookFlowTasks$/,
			'createWebhookFlowTask',
			({ body, principal }) => {
				const b = objectBody(body ?? {});
				const checked = validateTask(b, (id) => db.flows.has(id));
				if (!checked) throw dataNotFound('Flow', b.flowId);
				return {
					status: 201,
					body: webhooks.view(webhooks.create(b, checked.method, principal.userId)),
				};
			},
		],
		[
			'GET',
			/^\/v4\/webhookFlowTasks\/(\d+)$/,
			'getWebhookFlowTask',
			({ m }) => {
				const task = webhooks.get(idOf(m));
				if (!task) throw taskMissing(idOf(m));
				return { body: webhooks.view(task) };
			},
		],
		[
			'DELETE',
			/^\/v4\/webhookFlowTasks\/(\d+)$/,
			'deleteWebhookFlowTask',
			({ m }) => {
				if (!webhooks.delete(idOf(m))) throw taskMissing(idOf(m));
				return { status: 204 };
			},
		],
	];

	function match(method, pathname) {
		let pathMatched = false;
		for (const [routeMethod, pattern, name, handler] of routes) {
			const m = pattern.exec(pathname);
			if (!m) continue;
			pathMatched = true;
			if (routeMethod === method) return { name, handler, m };
		}
		return pathMatched ? { methodNotAllowed: true } : null;
	}

	function send(res, status, body, headers) {
		bump(counters.responses, String(status));
		if (status === 429) counters.tooManyRequests += 1;
		if (status === 304) counters.notModified += 1;
		if (status === 304 || status === 204) {
			res.writeHead(status, { 'cache-control': 'no-store', ...headers });
			res.end();
			return;
		}
		sendJson(res, status, body, headers);
	}

	const sendError = (res, err, headers) =>
		send(res, err.status, err.body(), { ...headers, ...err.headers });

	function routeNotFound(req, res, pathname, headers) {
		const err = new AacError(
			404,
			'RouteNotFoundException',
			'Route not found',
			`${req.method} ${pathname} is not a route`,
		);
		sendError(res, err, headers);
	}

	// --- faults (admin) -------------------------------------------------------------------------------
	// { endpoint, status?, reset?, phase: 'before'|'after', times?: n|null (null: until cleared),
	//   retryAfterSeconds?, headers?, name?, message? } before: answer without processing; after: process the
	//   request (a run starts), then answer the fault instead (the ambiguous case).
	function addFault(spec) {
		if (typeof spec.endpoint !== 'string')
			throw new TypeError('fault.endpoint is required (an endpoint name)');
		if (!routes.some((r) => r[2] === spec.endpoint))
			throw new TypeError(`unknown endpoint ${spec.endpoint}`);
		if (!spec.reset && !Number.isInteger(spec.status))
			throw new TypeError('fault.status or fault.reset is required');
		const phase = spec.phase ?? 'before';
		if (!['before', 'after'].includes(phase))
			throw new TypeError('fault.phase must be before or after');
		const times = spec.times === null ? null : (spec.times ?? 1);
		const fault = {
			id: nextFaultId++,
			endpoint: spec.endpoint,
			status: spec.status ?? null,
			reset: spec.reset === true,
			phase,
			times,
			served: 0,
			retryAfterSeconds: spec.retryAfterSeconds ?? null,
			name: spec.name,
			message: spec.message,
			headers: { ...(spec.headers ?? {}) },
			rawBody: spec.rawBody,
			contentType: spec.contentType,
		};
		faults.push(fault);
		return { ...fault };
	}
	const takeFault = (endpoint, phase) => {
		const fault = faults.find(
			(f) =>
				f.endpoint === endpoint && f.phase === phase && (f.times === null || f.served < f.times),
		);
		if (fault) {
			fault.served += 1;
			counters.faultsServed += 1;
		}
		return fault;
	};
	const DEFAULT_FAULT_NAMES = {
		400: 'ValidationFailed',
		403: 'AccessControlException',
		404: 'DataNotFoundException',
		410: 'GoneException',
		429: 'TooManyRequestsException',
	};
	function serveFault(res, fault, name, headers) {
		if (fault.reset) {
			bump(counters.responses, 'reset');
			res.socket?.destroy();
			return;
		}
		const extra = { ...fault.headers };
		if (fault.retryAfterSeconds !== null) extra['x-retry-after'] = String(fault.retryAfterSeconds);
		if (fault.rawBody !== undefined) {
			// Something other than AAC answering (a login page, a proxy): any status, any body.
			bump(counters.responses, String(fault.status));
			res.writeHead(fault.status, {
				...headers,
				'content-type': fault.contentType ?? 'text/html; charset=utf-8',
				...extra,
			});
			res.end(fault.rawBody);
			return;
		}
		const exceptionName = fault.name ?? DEFAULT_FAULT_NAMES[fault.status] ?? 'InternalServerError';
		const details =
			fault.message ??
			(fault.status === 429 && fault.retryAfterSeconds !== null
				? `API quota reached for "${name}". Wait ${fault.retryAfterSeconds} seconds`
				: `Injected fault ${fault.status} on ${name} (stand-in)`);
		if (fault.status >= 500 && fault.status !== 500 && !fault.name) {
			// Gateway-style answers (502/503/504) carry no AAC error body.
			send(res, fault.status, { message: details }, { ...headers, ...extra });
			return;
		}
		sendError(
			res,
			new AacError(fault.status, exceptionName, fault.message ?? exceptionName, details),
			{ ...headers, ...extra },
		);
	}

	// --- serving ----------------------------------------------------------------------------------------
	// principal: { userId } from the verified access token (the caller authenticates first).
	async function serve(req, res, route, url, principal, headers) {
		bump(counters.requests, route.name);
		const executionId = req.headers['x-execution-id'];
		if (RUN_ENDPOINTS.includes(route.name) && typeof executionId === 'string' && executionId) {
			bump(counters.postsPerExecutionId, executionId);
		}
		settle();
		const before = takeFault(route.name, 'before');
		if (before) {
			if (!before.reset) await readBody(req).catch(() => '');
			return serveFault(res, before, route.name, headers);
		}
		let text = '';
		try {
			text = await readBody(req);
		} catch {
			return sendError(res, validationFailed('The request body is too large'), headers);
		}
		checkAgainstContract(req, route, url, text);
		let quotaHeaders = {};
		try {
			if (world.requireJsonContentType) checkMediaTypes(req);
			const limits = settings.quotas[route.name];
			if (limits) quotaHeaders = quotas.take(route.name, limits, principal.userId, now()).headers;
			let body;
			if (text) {
				try {
					body = JSON.parse(text);
				} catch {
					throw validationFailed('The request body is not valid JSON');
				}
			}
			const result = route.handler({ m: route.m, q: url.searchParams, req, body, principal });
			const after = takeFault(route.name, 'after');
			if (after) return serveFault(res, after, route.name, { ...headers, ...quotaHeaders });
			if (result.delayMs) await new Promise((resolve) => setTimeout(resolve, result.delayMs));
			return send(res, result.status ?? 200, result.body, { ...headers, ...quotaHeaders });
		} catch (err) {
			if (err instanceof AacError) return sendError(res, err, { ...headers, ...quotaHeaders });
			throw err;
		}
	}

	// 415 (documented: "Incorrect Accept or Content-type header"): a POST, PUT or PATCH must say
	// content-type: application/json (the strict reading of unknown bodylessPostContentType), and an
	// Accept header must allow JSON.
	function checkMediaTypes(req) {
		const type = String(req.headers['content-type'] ?? '');
		const accept = req.headers.accept;
		const badType =
			['POST', 'PUT', 'PATCH'].includes(req.method) && !/^application\/json\b/i.test(type);
		const badAccept =
			typeof accept === 'string' &&
			accept !== '' &&
			!/application\/json|\*\/\*|application\/\*/i.test(accept);
		if (badType || badAccept)
			throw new AacError(
				415,
				'UnsupportedMediaType',
				'Unsupported Media Type',
				badType
					? `${req.method} needs content-type: application/json (got "${type}")`
					: `Accept "${accept}" does not allow application/json`,
			);
	}

	// Every request is checked against standin/contract.json: what it does not describe is a
	// violation (test/helpers/standin.js fails the suite on any), and its shape goes to the
	// suite-wide record when one is kept.
	function checkAgainstContract(req, route, url, text) {
		const request = {
			name: route.name,
			method: req.method,
			query: url.searchParams,
			headers: req.headers,
			bodyText: text,
		};
		const { problems, probe } = checkRequest(contract, request);
		if (probe) (counters.probes[probe] ??= []).push(`${req.method} ${url.pathname}${url.search}`);
		if (problems.length && contractViolations.length < 100)
			contractViolations.push({
				endpoint: route.name,
				request: `${req.method} ${url.pathname}${url.search}`,
				problems,
			});
		if (recordDir) {
			const line = JSON.stringify({ ...requestShape(request), probe: probe ?? null, problems });
			if (!recorded.has(line)) {
				recorded.add(line);
				mkdirSync(recordDir, { recursive: true });
				appendFileSync(join(recordDir, `requests-${process.pid}.jsonl`), `${line}\n`);
			}
		}
	}

	// --- admin ------------------------------------------------------------------------------------------
	const runsByKind = { planRun: () => db.planRuns, jobGroup: () => db.jobGroups };

	function setFixture(spec) {
		const maps = { plan: db.plans, recipe: db.recipes, flow: db.flows, connection: db.connections };
		const map = maps[spec.kind];
		if (!map) throw new TypeError('kind must be plan, recipe, flow or connection');
		const targets = spec.id === undefined ? [...map.values()] : [map.get(spec.id)];
		if (targets.some((t) => !t)) throw new TypeError(`${spec.kind} ${spec.id} is not seeded`);
		const updated = [];
		for (const t of targets) {
			const run = { ...t.run };
			for (const k of ['queuedMs', 'runningMs', 'outcome', 'failureReason'])
				if (spec[k] !== undefined) run[k] = spec[k];
			checkBehaviour(run);
			t.run = run;
			if (spec.validationStatus !== undefined) t.validationStatus = spec.validationStatus;
			if (spec.rejectRunWithoutOverrides !== undefined)
				t.rejectRunWithoutOverrides = spec.rejectRunWithoutOverrides === true;
			if (spec.healthy !== undefined) t.healthy = spec.healthy !== false;
			updated.push({ id: t.id, ...run, validationStatus: t.validationStatus });
		}
		return { updated };
	}

	// stampOffsetMs: the run's finish stamps (finishedAt, updatedAt) are that far off its real finish.
	function finishRun({ kind, id, outcome, stampOffsetMs }) {
		const map = runsByKind[kind]?.();
		if (!map) throw new TypeError('kind must be planRun or jobGroup');
		const run = map.get(id);
		if (!run) throw new TypeError(`${kind} ${id} does not exist`);
		const changed = finishRunNow(run, outcome, now());
		if (changed && Number.isFinite(stampOffsetMs)) run.stampOffsetMs = stampOffsetMs;
		settle();
		return { changed, status: runTimes(run, now()).status };
	}

	// Starts a run as the UI or a schedule would (not through the API: not counted in runsStarted).
	// count > 1 starts that many at the same API instant (a history, or runs that finish together)
	// and answers { runs: [each answer] }.
	function startRun({ kind, id, ranfrom = 'schedule', otherUser = false, count }) {
		if (count !== undefined) {
			if (!Number.isInteger(count) || count < 1 || count > 100000)
				throw new TypeError('count must be an integer from 1 to 100000');
			return {
				runs: Array.from({ length: count }, () => startRun({ kind, id, ranfrom, otherUser })),
			};
		}
		const creatorId = otherUser ? OTHER_USER_ID : CURRENT_USER.id;
		if (kind === 'plan')
			return {
				planSnapshotRunId: startPlanRun(get(db.plans, 'Plan', id), { ranfrom, creatorId }).id,
			};
		if (kind === 'recipe') {
			const recipe = get(db.recipes, 'WrangledDataset', id);
			return { jobGroupId: startJobGroup(recipe, recipe.run, { ranfrom, creatorId }).id };
		}
		if (kind === 'flow') {
			const flow = get(db.flows, 'Flow', id);
			const { fr, jobGroups } = startFlowRun(
				flow,
				[...db.recipes.values()].filter((r) => r.flowId === id).map((r) => r.id),
				{ ranfrom, creatorId },
			);
			return { flowRunId: fr.id, jobGroupIds: jobGroups.map((jg) => jg.id) };
		}
		throw new TypeError('kind must be plan, recipe or flow');
	}

	function runs() {
		const t = now();
		return {
			planRuns: [...db.planRuns.values()].map((r) => ({
				...planRunView(r, t),
				executionId: r.executionId,
				ranfrom: r.ranfrom,
				planNodeOverrides: r.planNodeOverrides,
			})),
			jobGroups: [...db.jobGroups.values()].map((jg) => ({
				...jobGroupView(jg, null, t),
				executionId: jg.executionId,
				request: jg.request,
			})),
			flowRuns: [...db.flowRuns.values()].map((fr) => ({
				...flowRunView(fr),
				status: flowRunStatus(fr, t),
				jobGroupIds: fr.jobGroupIds,
				executionId: fr.executionId,
				request: fr.request,
			})),
		};
	}

	function configure(patch = {}) {
		if (patch.world !== undefined) {
			world = worldOf(patch.world);
			settings.world = patch.world;
			// A new world brings its own page cap unless this patch sets one.
			if (patch.maxPageSize === undefined) settings.maxPageSize = undefined;
		}
		if (patch.defaultPageSize !== undefined) {
			if (!Number.isInteger(patch.defaultPageSize) || patch.defaultPageSize < 1)
				throw new TypeError('defaultPageSize must be a positive integer');
			settings.defaultPageSize = patch.defaultPageSize;
		}
		if (patch.maxPageSize === 'world') {
			settings.maxPageSize = undefined;
		} else if (patch.maxPageSize !== undefined) {
			if (
				patch.maxPageSize !== null &&
				(!Number.isInteger(patch.maxPageSize) || patch.maxPageSize < 1)
			)
				throw new TypeError('maxPageSize must be a positive integer or null');
			settings.maxPageSize = patch.maxPageSize;
		}
		if (patch.quotas !== undefined) {
			for (const [name, limits] of Object.entries(patch.quotas)) {
				if (limits === null) delete settings.quotas[name];
				else
					settings.quotas[name] = {
						user: limits.user ?? null,
						workspace: limits.workspace ?? null,
					};
			}
			quotas.clear();
		}
		if (patch.flowRunRunningStatus !== undefined)
			settings.flowRunRunningStatus = patch.flowRunRunningStatus;
		if (patch.ignoreOffset !== undefined) settings.ignoreOffset = patch.ignoreOffset === true;
		return { ...structuredClone(settings), pageCap: paging().maxPageSize };
	}

	// A job group touched after it finished: its updatedAt moves on (unknown jobGroupFinishTime).
	function touchRun({ kind = 'jobGroup', id }) {
		if (kind !== 'jobGroup') throw new TypeError('kind must be jobGroup');
		const jg = db.jobGroups.get(id);
		if (!jg) throw new TypeError(`jobGroup ${id} does not exist`);
		jg.touchedAtMs = now();
		return { updatedAt: jobGroupView(jg, null).updatedAt };
	}

	const clockAdmin = (spec = {}) => {
		if (spec.timeScale !== undefined) clock.setTimeScale(spec.timeScale);
		if (spec.freeze !== undefined) clock.freeze(spec.freeze === true);
		if (spec.setMs !== undefined) clock.set(spec.setMs);
		if (spec.advanceMs !== undefined) clock.advance(spec.advanceMs);
		settle();
		return { now: now(), frozen: clock.frozen, timeScale: clock.timeScale };
	};

	const control = {
		counters: () => structuredClone(counters),
		resetCounters: () => {
			counters = zeroCounters();
			return { ok: true };
		},
		configure,
		settings: () => ({ ...structuredClone(settings), pageCap: paging().maxPageSize }),
		touchRun,
		contractViolations: ({ clear = false } = {}) => {
			const list = structuredClone(contractViolations);
			if (clear) contractViolations = [];
			return list;
		},
		setFixture,
		finishRun,
		startRun,
		runs,
		clock: clockAdmin,
		now,
		addFault,
		faults: () => faults.map((f) => ({ ...f })),
		clearFaults: () => {
			faults = [];
			return { ok: true };
		},
		webhookDeliveries: () => webhooks.deliveries(),
		webhookTasks: () => webhooks.list(),
		repeatWebhookDelivery: (index) => webhooks.repeatDelivery(index),
		flushWebhooks: async () => {
			settle();
			return webhooks.flush();
		},
		reset: (seed) => {
			resetState(seed ?? seedOptions);
			return { ok: true };
		},
	};

	// Routes under /__admin/api/<sub>; body is parsed JSON. Returns the JSON to answer.
	async function admin(method, sub, body) {
		switch (`${method} ${sub}`) {
			case 'GET counters':
				return control.counters();
			case 'POST reset-counters':
				return control.resetCounters();
			case 'GET config':
				return control.settings();
			case 'POST config':
				return control.configure(body);
			case 'POST fixtures':
				return control.setFixture(body);
			case 'POST finish-run':
				return control.finishRun(body);
			case 'POST touch-run':
				return control.touchRun(body);
			case 'GET contract-violations':
				return { violations: control.contractViolations() };
			case 'POST contract-violations/clear':
				return { violations: control.contractViolations({ clear: true }) };
			case 'POST start-run':
				return control.startRun(body);
			case 'GET runs':
				return control.runs();
			case 'GET clock':
				return control.clock({});
			case 'POST clock':
				return control.clock(body);
			case 'GET faults':
				return { faults: control.faults() };
			case 'POST faults':
				return control.addFault(body);
			case 'DELETE faults':
				return control.clearFaults();
			case 'GET webhook-deliveries':
				return { deliveries: control.webhookDeliveries() };
			case 'POST webhook-deliveries/flush':
				return { deliveries: await control.flushWebhooks() };
			case 'POST webhook-deliveries/repeat':
				return { delivery: await control.repeatWebhookDelivery(body?.index) };
			case 'GET webhook-tasks':
				return { tasks: control.webhookTasks() };
			case 'POST reset':
				return control.reset(body?.seed);
			default:
				return undefined;
		}
	}

	return {
		match,
		serve,
		routeNotFound,
		admin,
		control,
		async close() {
			clearInterval(ticker);
			await webhooks.close();
		},
	};
}

export { TERMINAL_STATUSES };
