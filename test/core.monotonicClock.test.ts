// Durations in the refresh policy's memory run on a monotonic clock, not the wall clock (issue #19,
// item 20). The wall clock steps (NTP corrections, a VM resumed, a person setting the time); the
// failure cooldown ("a failed refresh is answered from memory for 10 s") and the "recently rotated"
// window ("a refresh token rotated less than 30 s ago is a save still in flight") are durations.
// Here the wall clock (deps.now) steps an hour back or forward while real time moves a few hundred
// milliseconds, with a cooldown and a window of 200 ms.
import { sleep } from 'n8n-workflow';

import {
	AacTokenError,
	RefreshCoordinator,
	readCredential,
	type RefreshDependencies,
	type TokenHttpResponse,
} from '../nodes/AlteryxAnalyticsCloud/core';
import { fakeJwt } from './fakes/faultyTokenEndpoint';

const HOUR = 3_600_000;
const ISSUER = 'https://issuer.example/as';

/** A wall clock the test sets, a transport that answers from a script and counts requests. */
function world(answers: Array<'fail' | 'pair'>) {
	let wall = Date.now();
	const sent: string[] = [];
	let issued = 0;
	const deps: RefreshDependencies = {
		now: () => wall,
		sleep: async () => undefined,
		transport: async (request): Promise<TokenHttpResponse> => {
			sent.push(new URLSearchParams(request.body).get('refresh_token') ?? '');
			const answer = answers.length > 1 ? answers.shift() : answers[0];
			if (answer === 'fail')
				return { status: 400, headers: {}, body: { error: 'invalid_request' } };
			const iat = Math.floor(wall / 1000);
			issued += 1;
			return {
				status: 200,
				headers: {},
				body: {
					access_token: fakeJwt({ iss: ISSUER, client_id: 'c', iat, exp: iat + 7200 }),
					refresh_token: `refresh-${issued}`,
					token_type: 'Bearer',
					expires_in: 7200,
				},
			};
		},
	};
	return {
		deps,
		sent,
		setWall: (ms: number) => {
			wall = ms;
		},
		wall: () => wall,
	};
}

function stored(wall: number, refreshToken = 'refresh-0') {
	const iat = Math.floor(wall / 1000) - 7000;
	return readCredential(
		{
			accessToken: fakeJwt({ iss: ISSUER, client_id: 'c', iat, exp: iat + 7200 }),
			refreshToken,
			allowCustomIssuer: true,
		},
		wall,
	);
}

test('a failed refresh is answered from memory for the cooldown, not for an hour after the clock steps back', async () => {
	const w = world(['fail', 'pair']);
	const coordinator = new RefreshCoordinator(1000, 200);
	const settings = stored(w.wall());
	await expect(coordinator.obtain(settings, w.deps, { intent: 'rotate' })).rejects.toThrow(
		AacTokenError,
	);
	expect(w.sent).toHaveLength(1);

	w.setWall(w.wall() - HOUR);
	await sleep(300); // longer than the 200-ms cooldown
	const result = await coordinator.obtain(settings, w.deps, { intent: 'rotate' });
	expect(result.refreshed).toBe(true);
	expect(w.sent).toEqual(['refresh-0', 'refresh-0']);
});

test('a rotated refresh token presented after the window is a save that never landed, even after the clock stepped back an hour', async () => {
	const w = world(['pair']);
	const coordinator = new RefreshCoordinator();
	coordinator.saveGraceMs = 200;
	const before = stored(w.wall());
	const rotated = await coordinator.obtain(before, w.deps, { intent: 'rotate' });
	expect(rotated.refreshToken).toBe('refresh-1');

	w.setWall(w.wall() - HOUR);
	await sleep(300);
	const error = await coordinator.obtain(stored(w.wall()), w.deps, { intent: 'refreshIfDue' }).then(
		() => undefined,
		(caught: unknown) => caught as AacTokenError,
	);
	expect(error?.code).toBe('ROTATION_NOT_SAVED');
	expect(w.sent).toHaveLength(1);
});

test('a rotated refresh token presented within the window gets the newest pair, even right after the clock stepped forward an hour', async () => {
	const w = world(['pair']);
	const coordinator = new RefreshCoordinator();
	const before = stored(w.wall());
	await coordinator.obtain(before, w.deps, { intent: 'rotate' });

	w.setWall(w.wall() + HOUR);
	const stale = await coordinator.obtain(stored(w.wall()), w.deps, { intent: 'refreshIfDue' });
	expect(stale).toMatchObject({ refreshToken: 'refresh-1', changed: true, refreshed: false });
	expect(w.sent).toHaveLength(1);
});
