import type { INodeProperties } from 'n8n-workflow';

import * as checkCompatibility from './checkCompatibility.operation';
import * as getCurrent from './getCurrent.operation';

export const operations = { checkCompatibility, getCurrent };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['workspace'] } },
		options: [
			{
				name: 'Check Compatibility',
				value: 'checkCompatibility',
				action: 'Check what this AAC tenant does where its API docs are silent',
				description:
					'Read-only: about 15 GETs that test what AAC does not document (comma status lists, date filters, page size, list order, job rows, shared plans); one item per assumption. Paste the result into an issue.',
			},
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
