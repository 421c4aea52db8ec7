import type { INodeProperties } from 'n8n-workflow';

import * as get from './get.operation';
import * as getMany from './getMany.operation';
import * as wait from './wait.operation';
import * as cancel from './cancel.operation';

export const operations = { cancel, get, getMany, wait };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['planRun'] } },
		options: [
			{
				name: 'Cancel',
				value: 'cancel',
				action: 'Cancel a plan run',
				description: 'Cancel a running plan run; one that already finished is returned unchanged',
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get a plan run',
				description:
					'Return one plan run by ID: its status (Created, InProgress, Complete, Failed, Canceled) and times',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				action: 'Get many plan runs',
				description:
					'List plan runs, newest first, optionally filtered by status, who ran them, from where and when',
			},
			{
				name: 'Wait',
				value: 'wait',
				action: 'Wait for a plan run',
				description:
					'Wait until a plan run is Complete, Failed or Canceled, polling its status; for runs started without waiting',
			},
		],
		default: 'get',
	},
	...get.description,
	...getMany.description,
	...wait.description,
	...cancel.description,
];
