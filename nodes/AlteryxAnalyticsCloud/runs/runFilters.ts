import type { INodeProperties } from 'n8n-workflow';

/*
 * The filters of a run list (plan runs, jobs): Plan Run and Job → Get Many offer them, and the
 * Trigger offers some of them. AAC may ignore some on its list endpoints, so the lists apply them
 * again in n8n (actions/runList.ts, the Trigger's events.ts).
 */

const RUN_STATUS_OPTIONS = [
	{ name: 'Canceled', value: 'Canceled' },
	{ name: 'Complete', value: 'Complete' },
	{ name: 'Created', value: 'Created' },
	{ name: 'Failed', value: 'Failed' },
	{ name: 'In Progress', value: 'InProgress' },
];

export const runFilters: INodeProperties[] = [
	{
		displayName: 'Created After',
		name: 'createdAfter',
		type: 'dateTime',
		default: '',
		description: 'Only runs created at or after this time',
	},
	{
		displayName: 'Created Before',
		name: 'createdBefore',
		type: 'dateTime',
		default: '',
		description: 'Only runs created before this time',
	},
	{
		displayName: 'Ran From',
		name: 'ranfrom',
		type: 'options',
		default: 'api',
		options: [
			{ name: 'API', value: 'api' },
			{ name: 'Schedule', value: 'schedule' },
			{ name: 'UI', value: 'ui' },
		],
		description: 'Only runs started this way',
	},
	{
		displayName: 'Run By',
		name: 'runBy',
		type: 'options',
		default: 'all',
		options: [
			{ name: 'Anyone', value: 'all' },
			{ name: 'Current User', value: 'currentUser' },
		],
		description: 'Whose runs to list',
	},
	{
		displayName: 'Status',
		name: 'status',
		type: 'multiOptions',
		default: [],
		options: RUN_STATUS_OPTIONS,
		description: 'Only runs in one of these statuses (empty: any)',
	},
];
