import type { INodeProperties } from 'n8n-workflow';

import * as getCurrent from './getCurrent.operation';

export const operations = { getCurrent };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['user'] } },
		options: [
			{
				name: 'Get Current',
				value: 'getCurrent',
				action: 'Get the current user',
				description: 'Return the AAC user the credential belongs to (ID, name, email)',
			},
		],
		default: 'getCurrent',
	},
	...getCurrent.description,
];
