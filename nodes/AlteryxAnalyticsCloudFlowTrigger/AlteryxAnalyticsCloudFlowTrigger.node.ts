import {
	NodeConnectionTypes,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { alteryxAnalyticsCloudTokenTest } from '../AlteryxAnalyticsCloud/methods/credentialTest';
import { searchFlows } from '../AlteryxAnalyticsCloud/methods/listSearch';
import { CREDENTIAL_TYPE } from '../AlteryxAnalyticsCloud/helpers/n8nAdapter';
import { receiveDelivery } from './delivery';
import { properties } from './description';
import * as webhookTask from './webhookTask';

export class AlteryxAnalyticsCloudFlowTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Alteryx Analytics Cloud Flow Trigger',
		name: 'alteryxAnalyticsCloudFlowTrigger',
		icon: { light: 'file:alteryx.svg', dark: 'file:alteryx.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["event"]}}',
		description:
			'Starts the workflow when a job of an Alteryx Analytics Cloud flow finishes (AAC calls n8n through a flow webhook task)',
		documentationUrl:
			'https://www.npmjs.com/package/n8n-nodes-alteryx-analytics-cloud#flow-trigger',
		defaults: { name: 'Alteryx Analytics Cloud Flow Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: CREDENTIAL_TYPE, required: true, testedBy: 'alteryxAnalyticsCloudTokenTest' },
		],
		webhooks: [
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' },
		],
		properties,
	};

	methods = {
		credentialTest: { alteryxAnalyticsCloudTokenTest },
		listSearch: { searchFlows },
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return await webhookTask.checkExists.call(this);
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return await webhookTask.create.call(this);
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return await webhookTask.deleteWebhook.call(this);
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await receiveDelivery.call(this);
	}
}
