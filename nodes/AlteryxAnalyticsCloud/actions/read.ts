import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { aacApiRequest } from '../transport/aacApi';
import { showFor } from './descriptions';

/*
 * The operations that read one thing with one GET (Get, Get Status, Get Outputs, Get Current),
 * built once: the GET is retried as a read, items run concurrently, and the answer becomes the
 * item, shaped by `output` where the operation adds to it.
 */

export interface ReadRequest {
	path: string;
	qs?: IDataObject;
	/** The ID the item named, for `output` (not sent). */
	id?: string;
}

export interface ReadOperation {
	/** One GET per item that changes nothing: items run concurrently (actions/router.ts). */
	concurrentItems: true;
	description: INodeProperties[];
	execute: (this: IExecuteFunctions, itemIndex: number) => Promise<INodeExecutionData[]>;
}

export function readOperation(spec: {
	resource: string;
	operation: string;
	properties: INodeProperties[];
	/** The GET for an item (reads its parameters). */
	request: (context: IExecuteFunctions, itemIndex: number) => ReadRequest;
	/** The item from AAC's answer (default: the answer itself, {} when empty). */
	output?: (body: unknown, request: ReadRequest) => IDataObject;
}): ReadOperation {
	return {
		concurrentItems: true,
		description: showFor(spec.resource, spec.operation, spec.properties),
		async execute(this: IExecuteFunctions, itemIndex: number) {
			const request = spec.request(this, itemIndex);
			const response = await aacApiRequest.call(this, {
				method: 'GET',
				path: request.path,
				qs: request.qs,
				retry: 'read',
			});
			const json = spec.output
				? spec.output(response.body, request)
				: ((response.body ?? {}) as IDataObject);
			return [{ json }];
		},
	};
}
