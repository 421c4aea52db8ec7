// A hand-written fake of an OpenAI-compatible model provider (no model behind it), on 127.0.0.1:
// n8n's OpenAI Chat Model node points its credential's Base URL here. It answers the first
// chat completion with a call of the first tool it was offered, and any completion that already
// carries a tool result with a final text. It records every request body: what the model and
// its provider get to see, tool results included.
import { createServer } from 'node:http';
import { once } from 'node:events';

export async function startFakeModelProvider() {
	const requests = [];
	let callCounter = 0;

	function completion(body) {
		const messages = body.messages ?? [];
		const toolResult = messages.some((message) => message.role === 'tool');
		const tool = body.tools?.[0]?.function?.name;
		if (toolResult || !tool)
			return {
				role: 'assistant',
				content: 'The Alteryx Analytics Cloud token status was checked.',
			};
		callCounter += 1;
		return {
			role: 'assistant',
			content: null,
			tool_calls: [
				{
					id: `call_fake_${callCounter}`,
					type: 'function',
					function: { name: tool, arguments: '{}' },
				},
			],
		};
	}

	const server = createServer(async (req, res) => {
		const chunks = [];
		for await (const chunk of req) chunks.push(chunk);
		const text = Buffer.concat(chunks).toString('utf8');
		requests.push({ method: req.method, url: req.url, body: text });
		if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
			res
				.writeHead(404, { 'content-type': 'application/json' })
				.end('{"error":{"message":"not found"}}');
			return;
		}
		const body = JSON.parse(text);
		const message = completion(body);
		const finishReason = message.tool_calls ? 'tool_calls' : 'stop';
		const id = `chatcmpl-fake-${requests.length}`;
		const created = Math.floor(Date.now() / 1000);
		const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
		if (body.stream) {
			// Server-sent events, as OpenAI streams: the whole message as one delta, then [DONE].
			res.writeHead(200, { 'content-type': 'text/event-stream' });
			const delta = message.tool_calls
				? {
						role: 'assistant',
						content: null,
						tool_calls: message.tool_calls.map((call, index) => ({ index, ...call })),
					}
				: { role: 'assistant', content: message.content };
			res.write(
				`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`,
			);
			res.write(
				`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta: {}, finish_reason: finishReason }], usage })}\n\n`,
			);
			res.end('data: [DONE]\n\n');
			return;
		}
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(
			JSON.stringify({
				id,
				object: 'chat.completion',
				created,
				model: body.model,
				choices: [{ index: 0, message, finish_reason: finishReason }],
				usage,
			}),
		);
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	const { port } = server.address();

	return {
		baseUrl: `http://127.0.0.1:${port}/v1`,
		requests,
		/** The tool results (role 'tool' messages) the provider was sent, as strings. */
		toolResults() {
			return requests.flatMap((request) => {
				try {
					return (JSON.parse(request.body).messages ?? [])
						.filter((m) => m.role === 'tool')
						.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));
				} catch {
					return [];
				}
			});
		},
		reset() {
			requests.length = 0;
		},
		async close() {
			const closed = once(server, 'close');
			server.close();
			server.closeAllConnections();
			await closed;
		},
	};
}
