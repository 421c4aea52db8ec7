// What the standin.api* tests share: the AAC v4 API stand-in (standin/api.mjs) started once per
// file, a token, and a raw call() that returns status, headers and body.
import { startStandIn, StandIn } from './standin';
import { standInApi, StandInApi } from './standinApi';

interface Answer {
	status: number;
	headers: Headers;
	json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export let standIn: StandIn;
export let api: StandInApi;
export let token: string;

export async function call(
	method: string,
	path: string,
	{
		body,
		headers = {},
		bearer = token,
	}: { body?: unknown; headers?: Record<string, string>; bearer?: string } = {},
): Promise<Answer> {
	const res = await fetch(`${standIn.apiBaseUrl}${path}`, {
		method,
		headers: {
			authorization: `Bearer ${bearer}`,
			...(body === undefined ? {} : { 'content-type': 'application/json' }),
			...headers,
		},
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

export function expectAacError(answer: Answer, status: number, name: string) {
	expect(answer.status).toBe(status);
	expect(answer.json).toEqual({
		exception: { name, message: expect.any(String), details: expect.any(String) },
	});
	expect(answer.headers.get('x-trifacta-request-id')).toMatch(/^[0-9a-f-]{36}$/);
}

/** Starts the stand-in for this file and resets it before each test; stops it afterwards. */
export function useStandInApi(): void {
	beforeAll(async () => {
		// Frozen API clock: runs move only when a test advances it.
		standIn = await startStandIn({
			contract: 'off',
			api: { world: 'generous', freezeClock: true },
		});
		api = standInApi(standIn);
		token = (await standIn.mint()).accessToken;
	});
	afterAll(async () => {
		await standIn?.stop();
	});
	beforeEach(async () => {
		await api.clock({ freeze: true, timeScale: 1 });
		await api.reset({});
		await api.configure({
			maxPageSize: null,
			defaultPageSize: 25,
			quotas: {
				runPlan: { user: 30, workspace: 60 },
				runJobGroup: { user: 30, workspace: 60 },
				runFlow: { user: 20, workspace: 40 },
			},
		});
	});
}
