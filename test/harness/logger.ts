/**
 * The n8n harness's logger: n8n-core's Logger and LoggerProxy write here, and each run's lines
 * land in its harness's `logs`, so tests can assert what n8n logged (and that no secret is in it).
 */

/**
 * Where log lines go; runWorkflow points it at the running harness's `logs`. One sink per
 * process, so overlapping runs of two different harnesses would log into the later one.
 */
let logSink: string[] | undefined;

export const recordingLogger = {
	error: (message: string, meta?: object) => record('error', message, meta),
	warn: (message: string, meta?: object) => record('warn', message, meta),
	info: (message: string, meta?: object) => record('info', message, meta),
	debug: (message: string, meta?: object) => record('debug', message, meta),
	scoped: () => recordingLogger,
};

function record(level: string, message: string, meta?: object) {
	let metaJson = '';
	try {
		metaJson = meta === undefined ? '' : ` ${JSON.stringify(meta)}`;
	} catch {
		metaJson = ' [unserializable meta]';
	}
	logSink?.push(`${level}: ${message}${metaJson}`);
}

/** Runs `fn` with every log line going into `sink`; the previous sink is restored afterwards. */
export async function logInto<T>(sink: string[], fn: () => Promise<T>): Promise<T> {
	const previousSink = logSink;
	logSink = sink;
	try {
		return await fn();
	} finally {
		logSink = previousSink;
	}
}
