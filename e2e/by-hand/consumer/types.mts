// A TypeScript ESM consumer: type-checked (tsc --noEmit) against the installed package's
// published types. Never run. The @ts-expect-error lines fail the check if the types went
// missing or became `any`.
import {
	createRefreshClient,
	AacTokenError,
	RefreshCoordinator,
	sleep,
	type ObtainResult,
	type RefreshClientOptions,
} from 'n8n-nodes-alteryx-analytics-cloud';
import core from 'n8n-nodes-alteryx-analytics-cloud';

const options: RefreshClientOptions = { coordinator: new RefreshCoordinator(), sleep };
const client = createRefreshClient(options);

export async function getToken(accessToken: string, refreshToken: string): Promise<string> {
	try {
		const result: ObtainResult = await client.getAccessToken(
			{ accessToken, refreshToken },
			{ force: false },
		);
		const expiresAt: number = result.accessTokenExpiresAt;
		const changed: boolean = result.changed;
		if (changed && expiresAt > 0) await sleep(1);
		return result.accessToken;
	} catch (error) {
		if (error instanceof AacTokenError) return error.code;
		throw error;
	}
}

export const sameFunction: boolean = core.createRefreshClient === createRefreshClient;

// @ts-expect-error: getAccessToken needs the credential
void client.getAccessToken();
// @ts-expect-error: force is a boolean
void client.getAccessToken({}, { force: 'yes' });
// @ts-expect-error: no such export
void core.noSuchExport;
