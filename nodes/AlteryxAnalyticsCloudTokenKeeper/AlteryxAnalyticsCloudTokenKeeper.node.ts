import {
	NodeConnectionTypes,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../AlteryxAnalyticsCloud/helpers/n8nAdapter';
import { keepTokens } from './keeper';

/**
 * Keeps an Alteryx Analytics Cloud credential's tokens fresh from n8n's main process: a polling
 * trigger whose poll refreshes when due and never starts an execution (keeper.ts).
 */
export class AlteryxAnalyticsCloudTokenKeeper implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Alteryx Analytics Cloud Token Keeper',
		name: 'alteryxAnalyticsCloudTokenKeeper',
		icon: { light: 'file:alteryx.svg', dark: 'file:alteryx.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"Refreshes tokens when due"}}',
		description:
			"Keeps an Alteryx Analytics Cloud credential's tokens fresh from n8n's main process, without starting executions",
		documentationUrl:
			'https://www.npmjs.com/package/n8n-nodes-alteryx-analytics-cloud#alteryx-analytics-cloud-token-keeper',
		defaults: { name: 'Alteryx Analytics Cloud Token Keeper' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties: [
			{
				displayName:
					"Activate this workflow and leave it on: at every poll the keeper refreshes the credential's tokens when due and saves the new pair. It starts no executions and needs no worker. Use one keeper per credential, and no Schedule Trigger → Refresh keep-alive beside it.",
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Refresh an Unused Refresh Token After (Hours)',
				name: 'idleHours',
				type: 'number',
				default: 24,
				typeOptions: { minValue: 0.01, maxValue: 8760, numberPrecision: 2 },
				description:
					"For a credential in Automatic mode: refresh when the refresh token has not been used this long, so it never reaches the end of its lifetime unused. In Refresh Operation Only mode the keeper refreshes whenever a third of the access token's lifetime is left, and this is not used.",
			},
		],
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const idleHours = Number(this.getNodeParameter('idleHours', 24));
		return await keepTokens(this, {
			idleMs: (Number.isFinite(idleHours) && idleHours > 0 ? idleHours : 24) * 3_600_000,
		});
	}
}
