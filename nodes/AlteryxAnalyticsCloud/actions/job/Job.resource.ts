import type { INodeProperties } from 'n8n-workflow';

import * as get from './get.operation';
import * as getMany from './getMany.operation';
import * as getOutputs from './getOutputs.operation';

export const operations = { get, getMany, getOutputs };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['job'] } },
		options: [
			{
				name: 'Get',
				value: 'get',
				action: 'Get a job',
				description: 'Return one job (a run of a recipe) by ID: its status (Created, InProgress, Complete, Failed, Canceled) and times',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				action: 'Get many jobs',
				description: 'List jobs from the job library, newest first, optionally filtered by status, who ran them, from where and when',
			},
			{
				name: 'Get Outputs',
				value: 'getOutputs',
				action: 'Get the outputs of a job',
				description: 'Return the files and tables a completed job wrote',
			},
		],
		default: 'get',
	},
	...get.description,
	...getMany.description,
	...getOutputs.description,
];
