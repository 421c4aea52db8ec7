import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { readCredential } from '../../core';
import { obtainAndSave } from '../../helpers/tokens';
import { CREDENTIAL_TYPE } from '../../helpers/n8nAdapter';
import { tokenOutput } from './tokenOutput';

export const description: INodeProperties[] = [];

/** A valid access token, refreshed first when it expires within the margin (Automatic mode). */
export async function execute(this: IExecuteFunctions): Promise<IDataObject> {
	const credentialData = await this.getCredentials(CREDENTIAL_TYPE);
	const settings = readCredential(credentialData);
	return tokenOutput(await obtainAndSave(this, credentialData, settings, 'use'), settings);
}
