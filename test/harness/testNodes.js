'use strict';
// Two tiny node types for driving credential types through n8n-core's real engine
// without n8n-nodes-base (which this package must not depend on). Typed by JSDoc, checked by
// checkJs (test/tsconfig.json).
// Plain JavaScript because test.apiCaller imitates n8n's HTTP Request node, which still calls the
// legacy requestWithAuthentication helper; n8n's community-package lint forbids that (and wants
// usableAsTool on every node class) in TypeScript files, and this package's tests are linted too.
const { NodeApiError, NodeConnectionTypes, NodeOperationError } = require('n8n-workflow');

/** @typedef {import('n8n-workflow').IExecuteFunctions} IExecuteFunctions */
/** @typedef {import('n8n-workflow').INodeExecutionData} INodeExecutionData */
/** @typedef {import('n8n-workflow').INodeType} INodeType */

/**
 * `test.start`: stands in for the Manual Trigger; emits `items` items `{ index: i }`.
 * @implements {INodeType}
 */
class StartNode {
	/** @type {INodeType['description']} */
	description = {
		displayName: 'Test Start',
		name: 'test.start',
		group: ['input'],
		version: 1,
		description: 'Emits N items',
		defaults: { name: 'Start' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Items', name: 'items', type: 'number', default: 1 }],
	};

	/**
	 * @this {IExecuteFunctions}
	 * @returns {Promise<INodeExecutionData[][]>}
	 */
	async execute() {
		const count = /** @type {number} */ (this.getNodeParameter('items', 0));
		return [Array.from({ length: count }, (_, i) => ({ json: { index: i } }))];
	}
}

/**
 * `test.apiCaller`: behaves like the HTTP Request node (v3+) with "Predefined Credential Type":
 * every item's request is started at once and awaited with Promise.allSettled, so all items
 * resolve credentials and run preAuthentication concurrently — exactly the situation in which
 * a refreshing credential can race itself. Each item's request: parameter `url`, GET; parameter
 * `helper`: 'legacy' for requestWithAuthentication, 'http' for httpRequestWithAuthentication. The
 * first failure fails the node (as a NodeApiError/NodeOperationError) unless continueOnFail, which
 * turns it into an item `{ ok: false, error }`; successes are `{ ok: true, body }`.
 * @param {string} credentialTypeName
 * @returns {INodeType}
 */
function makeApiCallerNode(credentialTypeName) {
	return {
		description: {
			displayName: 'Test API Caller',
			name: 'test.apiCaller',
			group: ['transform'],
			version: 1,
			description: 'GETs a URL with a predefined credential type',
			defaults: { name: 'API Caller' },
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			// n8n-core refuses getCredentials() for types the node does not declare.
			credentials: [{ name: credentialTypeName, required: true }],
			properties: [
				{ displayName: 'URL', name: 'url', type: 'string', default: '' },
				{
					displayName: 'Helper',
					name: 'helper',
					type: 'options',
					options: [
						{ name: 'Legacy (requestWithAuthentication)', value: 'legacy' },
						{ name: 'HTTP (httpRequestWithAuthentication)', value: 'http' },
					],
					default: 'legacy',
				},
			],
		},

		async execute() {
			const items = this.getInputData();
			const requests = items.map(async (_item, itemIndex) => {
				const url = /** @type {string} */ (this.getNodeParameter('url', itemIndex));
				const helper = this.getNodeParameter('helper', itemIndex);
				if (helper === 'http') {
					return await this.helpers.httpRequestWithAuthentication.call(this, credentialTypeName, {
						method: 'GET',
						url,
						json: true,
					});
				}
				return await this.helpers.requestWithAuthentication.call(
					this,
					credentialTypeName,
					{ method: 'GET', uri: url, json: true, resolveWithFullResponse: false },
					undefined,
					itemIndex,
				);
			});
			const settled = await Promise.allSettled(requests);

			/** @type {INodeExecutionData[]} */
			const out = [];
			for (const [itemIndex, result] of settled.entries()) {
				if (result.status === 'fulfilled') {
					out.push({ json: { ok: true, body: result.value }, pairedItem: { item: itemIndex } });
					continue;
				}
				const reason = /** @type {Error} */ (result.reason);
				if (this.continueOnFail()) {
					out.push({ json: { ok: false, error: reason.message }, pairedItem: { item: itemIndex } });
					continue;
				}
				// Like the HTTP Request node: the first failure fails the node.
				if (reason instanceof NodeApiError || reason instanceof NodeOperationError) throw reason;
				throw new NodeApiError(
					this.getNode(),
					/** @type {import('n8n-workflow').JsonObject} */ (/** @type {unknown} */ (reason)),
					{ itemIndex },
				);
			}
			return [out];
		},
	};
}

module.exports = { StartNode, makeApiCallerNode };
