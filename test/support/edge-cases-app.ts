// A loopwise app in a child process for issue 16's edge cases (test/support/edge-cases.ts starts
// it): one route per case, and GET /pid, so a test can check that the process that answered a
// hostile request is the one that serves the next. SEND_TIMEOUT sets sendTimeout (ms).
import { setTimeout as sleep } from 'node:timers/promises';
import { App, HttpResponse, httpBasic, t, trustedHost, upload } from '../../src/index.js';

import { BIG_SIZE } from './edge-cases-app-sizes.js';

const KIB = 1024;
const big = Buffer.alloc(BIG_SIZE, 'a');

const app = new App({
  logger: false,
  module: import.meta.url,
  pool: { threads: 1 },
  ...(process.env.SEND_TIMEOUT !== undefined ? { sendTimeout: Number(process.env.SEND_TIMEOUT) } : {}),
});
app.use(trustedHost({ allowedHosts: ['localhost', '127.0.0.1', 'www.example.com'] }));

app.get('/pid', () => ({ pid: process.pid }));
app.get('/big', () => new HttpResponse(big, { headers: { 'content-type': 'application/octet-stream' } }));
app.get('/slow', async () => {
  await sleep(Number(process.env.SLOW_MS ?? 0));
  return { slept: true };
});

// Handlers of this route running at once, as each saw it when it started: pipelined requests run one at a time.
let running = 0;
app.get('/running', async () => {
  running++;
  const seen = running;
  await sleep(20);
  running--;
  return { running: seen };
});

const basic = httpBasic();
app.get('/basic', { deps: { credentials: basic } }, ({ deps }) => deps.credentials);

const item = t.Object({ name: t.String() });
app.post('/json', { body: item, bodyLimit: KIB }, ({ body }) => body);
app.post('/json-offloaded', { body: item, bodyLimit: KIB, offload: true }, ({ body }) => ({ ...body, offloaded: true }));
app.post(
  '/upload',
  { consumes: ['multipart/form-data'], multipart: { maxBodySize: 64 * KIB }, body: t.Object({ note: t.String(), file: upload() }) },
  ({ body }) => ({ note: body.note, size: body.file.size }),
);
app.post(
  '/form',
  { consumes: ['multipart/form-data'], multipart: { maxFieldSize: KIB, maxFieldsTotalSize: 2 * KIB }, body: t.Object({}, { additionalProperties: t.String() }) },
  ({ body }) => ({ fields: Object.keys(body) }),
);

const { port } = await app.listen({ port: 0 });
// A worker thread imports this module too, and its listen() opens nothing (port 0): only the main thread says its port.
if (port !== 0) process.stdout.write(`port ${port}\n`);
