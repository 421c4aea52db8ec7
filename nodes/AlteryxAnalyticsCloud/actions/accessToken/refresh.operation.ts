import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { readCredential } from '../../core';
import { obtainAndSave } from '../../helpers/tokens';
import { CREDENTIAL_TYPE } from '../../helpers/n8nAdapter';
import { tokenOutput } from './tokenOutput';

export const description: INodeProperties[] = [];

/** Rotates the tokens now, even when the access token is fresh, and saves them (the keep-alive). */
export async function execute(this: IExecuteFunctions): Promise<IDataObject> {
	const credentialData = await this.getCredentials(CREDENTIAL_TYPE);
	const settings = readCredential(credentialData);
	return tokenOutput(await obtainAndSave(this, credentialData, settings, 'rotate'), settings);
}
