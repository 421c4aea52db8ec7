import type { INodeProperties } from 'n8n-workflow';

import * as get from './get.operation';
import * as getMany from './getMany.operation';
import * as run from './run.operation';

export const operations = { get, getMany, run };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['flow'] } },
		options: [
			{
				name: 'Get',
				value: 'get',
				action: 'Get a flow',
				description: 'Return one flow by ID',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				action: 'Get many flows',
				description:
					'List the flows the user can see (ID and name), optionally filtered by name, ownership or folder',
			},
			{
				name: 'Run',
				value: 'run',
				action: 'Run a flow',
				description:
					'Start a run of the flow (with optional run parameters) and, by default, wait until all its jobs are Complete, Failed or Canceled',
			},
		],
		default: 'getMany',
	},
	...get.description,
	...getMany.description,
	...run.description,
];
