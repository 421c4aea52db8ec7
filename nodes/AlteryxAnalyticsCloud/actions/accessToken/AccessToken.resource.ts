import type { INodeProperties } from 'n8n-workflow';

import * as get from './get.operation';
import * as inspect from './inspect.operation';
import * as refresh from './refresh.operation';

/**
 * Access Token: one token decision per execution, whatever the number of items (the router calls
 * the operation once and gives every item its output): 100 items cost at most one refresh.
 */
export const operations = { get, inspect, refresh };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['accessToken'] } },
		options: [
			{
				name: 'Get',
				value: 'get',
				action: 'Get a valid access token',
				description:
					'Return a valid access token, refreshing first when it expires within the margin',
			},
			{
				name: 'Inspect',
				value: 'inspect',
				action: 'Inspect the stored tokens',
				description:
					'Show client ID, issuer and expiry times of the stored tokens, without any request',
			},
			{
				name: 'Refresh',
				value: 'refresh',
				action: 'Refresh the tokens now',
				description:
					'Rotate the tokens now even when the access token is fresh, and save them (keep-alive; the one writer when several n8n processes share the credential)',
			},
		],
		default: 'get',
	},
	...get.description,
	...inspect.description,
	...refresh.description,
];
