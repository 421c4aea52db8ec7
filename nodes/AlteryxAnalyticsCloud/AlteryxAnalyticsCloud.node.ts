import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import * as accessToken from './actions/accessToken/AccessToken.resource';
import { router } from './actions/router';
import { alteryxAnalyticsCloudTokenTest } from './methods/credentialTest';
import { CREDENTIAL_TYPE } from './n8nAdapter';

export class AlteryxAnalyticsCloud implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Alteryx Analytics Cloud',
		name: 'alteryxAnalyticsCloud',
		icon: { light: 'file:alteryx.svg', dark: 'file:alteryx.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description:
			'Get a valid Alteryx Analytics Cloud access token for downstream nodes; refreshes it and saves the rotated refresh token',
		defaults: { name: 'Alteryx Analytics Cloud' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true, testedBy: 'alteryxAnalyticsCloudTokenTest' }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Access Token', value: 'accessToken' },
				],
				default: 'accessToken',
			},
			...accessToken.description,
		],
	};

	methods = {
		credentialTest: { alteryxAnalyticsCloudTokenTest },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
