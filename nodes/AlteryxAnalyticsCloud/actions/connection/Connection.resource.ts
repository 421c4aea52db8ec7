import type { INodeProperties } from 'n8n-workflow';

import * as getMany from './getMany.operation';
import * as getStatus from './getStatus.operation';

export const operations = { getMany, getStatus };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['connection'] } },
		options: [
			{
				name: 'Get Many',
				value: 'getMany',
				action: 'Get many connections',
				description: 'List the data connections the user can see (ID, name, type)',
			},
			{
				name: 'Get Status',
				value: 'getStatus',
				action: 'Check a connection',
				description:
					'Ask AAC to test one connection; returns result "ok" or fails with AAC\'s reason',
			},
		],
		default: 'getMany',
	},
	...getMany.description,
	...getStatus.description,
];
