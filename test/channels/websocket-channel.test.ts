// docs/channels.md's example, run: a WebSocket client's message and an offloaded handler's
// announcement reach both the WebSocket and an SSE client, and both unsubscribe when they leave.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { request } from '../support/http.js';
import { waitFor } from '../support/wait-for.js';
import { withTimeout } from '../support/with-timeout.js';
import { app, chat } from './fixtures/chat-app.js';
import { readSse } from './fixtures/sse-reader.js';

let port = 0;
before(async () => {
  ({ port } = await withTimeout(app.listen({ port: 0, handleSignals: false }), 15_000, 'listen()'));
});
after(() => withTimeout(app.close(), 15_000, 'close()'));

test('the chat example: WebSocket and SSE clients get the same messages; leaving unsubscribes', async () => {
  const ada = new WebSocket(`ws://127.0.0.1:${port}/chat?name=ada`);
  const got: unknown[] = [];
  ada.on('message', (data) => got.push(JSON.parse(String(data))));
  await withTimeout(new Promise((resolve, reject) => ada.once('open', resolve).once('error', reject)), 10_000, 'WebSocket open');
  const events = await readSse(port, '/chat/events');
  await waitFor(() => chat.subscribers === 2, 'both clients subscribed');

  ada.send(JSON.stringify({ text: 'hello' }));
  await events.waitFor(1);
  const announced = await request(port, '/chat/announce', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"deploy at 5"}', timeout: 15_000 });
  assert.equal(announced.status, 200, announced.text);
  const expected = [
    { from: 'ada', text: 'hello' },
    { from: 'system', text: 'deploy at 5' },
  ];
  assert.deepEqual(await events.waitFor(2), expected);
  await waitFor(() => got.length === 2, 'two WebSocket messages');
  assert.deepEqual(got, expected);

  events.close();
  ada.close();
  await waitFor(() => chat.subscribers === 0, 'both subscriptions ended after their clients left');
});
