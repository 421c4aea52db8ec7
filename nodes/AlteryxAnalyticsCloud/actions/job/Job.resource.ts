import type { INodeProperties } from 'n8n-workflow';

import * as get from './get.operation';
import * as getMany from './getMany.operation';
import * as getOutputs from './getOutputs.operation';
import * as run from './run.operation';
import * as wait from './wait.operation';
import * as cancel from './cancel.operation';

export const operations = { cancel, get, getMany, getOutputs, run, wait };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['job'] } },
		options: [
			{
				name: 'Cancel',
				value: 'cancel',
				action: 'Cancel a job',
				description: 'Cancel a running job; one that already finished is left as it is',
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get a job',
				description:
					'Return one job (a run of a recipe) by ID: its status (Created, InProgress, Complete, Failed, Canceled) and times',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				action: 'Get many jobs',
				description:
					'List jobs from the job library, newest first, optionally filtered by status, who ran them, from where and when',
			},
			{
				name: 'Get Outputs',
				value: 'getOutputs',
				action: 'Get the outputs of a job',
				description: 'Return the files and tables a completed job wrote',
			},
			{
				name: 'Run',
				value: 'run',
				action: 'Run a recipe',
				description:
					'Start a job for a recipe (with optional run parameters and execution options) and, by default, wait until it is Complete, Failed or Canceled; outputs the files and tables it wrote',
			},
			{
				name: 'Wait',
				value: 'wait',
				action: 'Wait for a job',
				description:
					'Wait until a job is Complete, Failed or Canceled, polling its status; outputs the files and tables it wrote',
			},
		],
		default: 'get',
	},
	...get.description,
	...getMany.description,
	...getOutputs.description,
	...run.description,
	...wait.description,
	...cancel.description,
];
