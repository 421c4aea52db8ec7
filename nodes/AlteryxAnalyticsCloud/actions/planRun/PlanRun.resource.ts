import type { INodeProperties } from 'n8n-workflow';

import * as get from './get.operation';
import * as getMany from './getMany.operation';

export const operations = { get, getMany };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['planRun'] } },
		options: [
			{
				name: 'Get',
				value: 'get',
				action: 'Get a plan run',
				description: 'Return one plan run by ID: its status (Created, InProgress, Complete, Failed, Canceled) and times',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				action: 'Get many plan runs',
				description: 'List plan runs, newest first, optionally filtered by status, who ran them, from where and when',
			},
		],
		default: 'get',
	},
	...get.description,
	...getMany.description,
];
