// client.stream(): an endless event stream read as it arrives (FastAPI's client.stream()), over a
// real socket, every read bounded by the client's timeout.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, sse, t } from '../../src/index.js';

const app = new App({ logger: false });
let disconnected = 0;
app.get('/ticks', { responseClass: 'sse', query: t.Object({ from: t.Integer({ default: 0 }) }) }, ({ query, request }) => {
  request.on('close', () => disconnected++);
  return sse((async function* () {
    for (let n = query.from; ; n++) {
      yield { event: 'tick', data: { n } };
      await sleep(5);
    }
  })());
});
app.get('/silent', { responseClass: 'sse' }, () => sse((async function* () {
  yield 'hello';
  await new Promise(() => {}); // then never yields again
})()));
app.post('/login', {}, ({ reply }) => {
  reply.cookie('session', 'ada');
  return { ok: true };
});
app.get('/whoami', { responseClass: 'sse' }, ({ request }) => sse((async function* () {
  yield { data: request.headers.cookie ?? 'no cookie' };
})()));

const client = app.testClient({ timeout: 1_000 });
after(() => client.close());

test('an endless SSE route is read line by line; close() ends it and the app sees the client go', async () => {
  const stream = await client.stream('GET', '/ticks', { query: { from: '7' } });
  assert.equal(stream.statusCode, 200);
  assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
  const data: string[] = [];
  for await (const line of stream.lines()) {
    if (line.startsWith('data: ')) data.push(line.slice(6));
    if (data.length === 3) break;
  }
  assert.deepEqual(data, ['{"n":7}', '{"n":8}', '{"n":9}']);
  stream.close();
  for (let i = 0; i < 100 && disconnected === 0; i++) await sleep(10);
  assert.equal(disconnected, 1);
});

test('a stream that stays silent past the timeout fails the read, saying so, instead of hanging the test', async () => {
  const stream = await client.stream('GET', '/silent', { timeout: 200 });
  const lines = stream.lines();
  assert.deepEqual(await lines.next(), { value: 'data: hello', done: false });
  assert.deepEqual(await lines.next(), { value: '', done: false }); // the event's end
  await assert.rejects(lines.next(), { message: 'stream(/silent): nothing arrived within 200 ms; close() the stream when the test has read what it needs' });
  stream.close();
});

test("the jar's cookies go with a stream", async () => {
  await client.post('/login');
  const stream = await client.stream('GET', '/whoami');
  const lines: string[] = [];
  for await (const line of stream.lines()) lines.push(line);
  assert.ok(lines.includes('data: session=ada'), lines.join('|'));
});
