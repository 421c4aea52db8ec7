import type { INodeProperties } from 'n8n-workflow';

import { flowLocator } from '../AlteryxAnalyticsCloud/methods/locators';
import type { TerminalStatus } from '../AlteryxAnalyticsCloud/runs/status';

/** AAC's triggerEvent values (spec: onJobFailure | onJobSuccess | onJobDone), as the node offers them. */
export const EVENTS = [
	{
		name: 'Job Finished',
		value: 'onJobDone',
		description: 'A job of the flow completed, failed or was canceled',
	},
	{ name: 'Job Succeeded', value: 'onJobSuccess', description: 'A job of the flow completed' },
	{ name: 'Job Failed', value: 'onJobFailure', description: 'A job of the flow failed' },
];

/** The final statuses each event stands for. */
export const EVENT_STATUSES: Record<string, TerminalStatus[]> = {
	onJobDone: ['Complete', 'Failed', 'Canceled'],
	onJobSuccess: ['Complete'],
	onJobFailure: ['Failed'],
};

export const properties: INodeProperties[] = [
	{
		displayName:
			"AAC calls n8n when a job of the flow finishes, so AAC must reach this n8n's webhook URL. Behind a firewall or NAT, use the (polling) Alteryx Analytics Cloud Trigger instead.",
		name: 'reachabilityNotice',
		type: 'notice',
		default: '',
	},
	flowLocator('The flow whose jobs start this workflow'),
	{
		displayName: 'Event',
		name: 'event',
		type: 'options',
		options: EVENTS,
		default: 'onJobDone',
		description: 'Which finished jobs start the workflow',
	},
];
