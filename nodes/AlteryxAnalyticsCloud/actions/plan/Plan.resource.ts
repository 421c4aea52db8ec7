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
		displayOptions: { show: { resource: ['plan'] } },
		options: [
			{
				name: 'Get',
				value: 'get',
				action: 'Get a plan',
				description: 'Return one plan by ID, with its tasks and its latest run',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				action: 'Get many plans',
				description:
					'List the plans the user can see (ID and name), optionally filtered by name or ownership',
			},
			{
				name: 'Run',
				value: 'run',
				action: 'Run a plan',
				description:
					'Start a run of the plan (with optional task overrides) and, by default, wait until it is Complete, Failed or Canceled; a retried or repeated item never starts a second run',
			},
		],
		default: 'getMany',
	},
	...get.description,
	...getMany.description,
	...run.description,
];
