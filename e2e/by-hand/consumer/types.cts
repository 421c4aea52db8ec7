// A TypeScript CommonJS consumer: type-checked (tsc --noEmit) against the installed package's
// published types. Never run. The @ts-expect-error lines fail the check if the types went
// missing or became `any`.
import aac = require('n8n-nodes-alteryx-analytics-cloud');

const client = aac.createRefreshClient({ fetch });

export async function getToken(accessToken: string, refreshToken: string): Promise<string> {
	const result: aac.ObtainResult = await client.getAccessToken({ accessToken, refreshToken });
	const code: aac.AacErrorCode = 'ISSUER_NOT_ALLOWED';
	return result.changed ? result.refreshToken : code;
}

export async function wrongField(): Promise<string> {
	// @ts-expect-error: the result has no such field
	return (await client.getAccessToken({})).noSuchField;
}
