// Types of connectionCounter.js: a loopback TCP server that counts every connection it accepts.
export interface ConnectionCounter {
	/** The port on 127.0.0.1. */
	port: number;
	/** Connections accepted so far, whatever was sent on them. */
	connections(): number;
	close(): Promise<void>;
}

export function startConnectionCounter(): Promise<ConnectionCounter>;
