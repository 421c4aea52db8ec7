// Types of webhookEndpoint.js: a loopback endpoint that prepares requests as n8n's webhook server does.
// Structural types (no import of Node's http: the package lint forbids it in TypeScript files).

export interface EndpointRequest {
	method?: string;
	url?: string;
	headers: Record<string, string | string[] | undefined>;
	/** The bytes as received (n8n keeps them as req.rawBody). */
	rawBody: Buffer;
	/** Parsed JSON ({} when the body is empty or not JSON). */
	body: unknown;
	query: Record<string, string>;
	params: Record<string, string>;
}

/** Node's ServerResponse, the part the handler and the node use. */
export interface EndpointResponse {
	statusCode: number;
	writableEnded: boolean;
	/** What was passed to end(), once it was called. */
	sentBody?: string;
	setHeader(name: string, value: string): void;
	writeHead(status: number, headers?: Record<string, string>): EndpointResponse;
	end(chunk?: string): void;
}

export interface WebhookEndpoint {
	url: string;
	close(): Promise<void>;
}

export function startWebhookEndpoint(
	handle: (req: EndpointRequest, res: EndpointResponse, pathname: string) => Promise<void>,
): Promise<WebhookEndpoint>;

/** Resolves after the current I/O turn: where n8n awaits its database. */
export function nextTurn(): Promise<void>;
