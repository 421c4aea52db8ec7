import type { IDataObject } from 'n8n-workflow';

/** What the transport (transport/aacApi.ts) takes and gives. */

export interface AacRequest {
	method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
	/** '/v4/plans', joined to the credential's API Base URL. */
	path: string;
	qs?: IDataObject;
	body?: IDataObject | string;
	headers?: Record<string, string>;
	/**
	 * 'read': GETs, retried on 429/5xx/network errors with backoff+jitter (bounded);
	 * 'startsWork': a POST that starts or cancels a run: retried ONLY when surely not processed
	 * (429 after x-retry-after/Retry-After, or the request never left: ECONNREFUSED, DNS).
	 */
	retry: 'read' | 'startsWork';
	/**
	 * For 'startsWork' requests that start something other than a run (a webhook task): what
	 * may have happened when AAC's answer was lost, what a repeat could do, what to check.
	 */
	ambiguity?: Ambiguity;
}

export interface Ambiguity {
	outcome: string;
	repeatRisk: string;
	check: string;
}

export interface AacResponse {
	statusCode: number;
	headers: Record<string, string | undefined>;
	body: unknown;
}

export interface AacPaging {
	returnAll: boolean;
	/** Items wanted when not returnAll (n8n's Limit). */
	limit?: number;
	/** Ask for includeCount (documented on the list endpoints, not on sub-lists); default true. */
	count?: boolean;
}
