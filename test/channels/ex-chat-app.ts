import { App, sse, t } from '../../src/index.js';

const app = new App({ logger: false });
const chat = app.channel('chat', { schema: t.Object({ from: t.String(), text: t.String({ maxLength: 2000 }) }) });

// SSE: sse() ends the subscription when the client leaves.
app.get('/chat/events', { responseClass: 'sse' }, () => sse(chat.subscribe()));

// WebSocket: messages from the channel go out, messages from the client are published.
app.ws('/chat', { message: t.Object({ text: t.String() }), query: t.Object({ name: t.String() }) }, async (socket, { query }) => {
  const updates = chat.subscribe({ until: socket.closed });   // ends when the socket closes
  const relay = (async () => {
    for await (const message of updates) await socket.send(message);
  })();
  for await (const message of socket) await chat.publish({ from: query.name, text: message.text });
  await relay;
});

// An offloaded handler publishes the same way (it runs in a worker thread).
app.post('/chat/announce', { offload: true, body: t.Object({ text: t.String() }) }, async ({ body }) => {
  await chat.publish({ from: 'system', text: body.text });
  return { sent: true };
});

export { app, chat };
