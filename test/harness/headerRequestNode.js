'use strict';
// `test.headerRequest`: stands in for an HTTP Request node with a header set by expression, such
// as `Authorization: {{ $json.authorization }}` after the AAC node's Get. One GET per item
// through n8n's plain httpRequest helper (no credential). Typed by JSDoc, checked by checkJs
// (test/tsconfig.json).

/** @type {import('n8n-workflow').INodeType} */
const HeaderRequestNode = {
	description: {
		displayName: 'Header Request',
		name: 'test.headerRequest',
		group: ['transform'],
		version: 1,
		description: 'GET with an Authorization header taken from a parameter',
		defaults: { name: 'Header Request' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [
			{ displayName: 'URL', name: 'url', type: 'string', default: '' },
			{ displayName: 'Authorization', name: 'authorization', type: 'string', default: '' },
		],
	},
	async execute() {
		const items = this.getInputData();
		const results = await Promise.all(
			items.map(async (_item, itemIndex) => {
				const response = await this.helpers.httpRequest({
					method: 'GET',
					url: /** @type {string} */ (this.getNodeParameter('url', itemIndex)),
					headers: {
						Authorization: /** @type {string} */ (
							this.getNodeParameter('authorization', itemIndex)
						),
					},
					returnFullResponse: true,
					ignoreHttpStatusErrors: true,
					json: true,
				});
				return {
					json: { status: response.statusCode, body: response.body },
					pairedItem: { item: itemIndex },
				};
			}),
		);
		return [results];
	},
};

module.exports = { HeaderRequestNode };
