// Types of recordingServer.js: a local HTTP API that shows the test every request it receives.
// The implementation is plain JavaScript because it needs node:http, which n8n's
// community-package lint forbids in TypeScript files; this package's tests are linted too.

export interface ReceivedRequest {
  method: string | undefined;
  url: string | undefined;
  /** Node's IncomingHttpHeaders: lower-cased names. */
  headers: Record<string, string | string[] | undefined>;
}

export interface RecordingServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1 (random port). `onRequest` sees every request; what it returns
 * is the response status (200 if nothing). The body is always JSON `{ "path": <request url> }`.
 */
export function startRecordingServer(onRequest: (request: ReceivedRequest) => number | void): Promise<RecordingServer>;
