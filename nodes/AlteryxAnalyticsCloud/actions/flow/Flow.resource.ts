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
				description: 'List the flows the user can see (ID and name), optionally filtered by name, ownership or folder',
			},
		],
		default: 'getMany',
	},
	...get.description,
	...getMany.description,
];
