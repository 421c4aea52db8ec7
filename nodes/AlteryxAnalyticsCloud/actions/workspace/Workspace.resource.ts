import type { INodeProperties } from 'n8n-workflow';

import * as getCurrent from './getCurrent.operation';

export const operations = { getCurrent };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['workspace'] } },
		options: [
			{
				name: 'Get Current',
				value: 'getCurrent',
				action: 'Get the current workspace',
				description: 'Return the AAC workspace the credential belongs to (ID, name)',
			},
		],
		default: 'getCurrent',
	},
	...getCurrent.description,
];
