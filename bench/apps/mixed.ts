// One loopwise app with a bit of everything a real one has, for the memory test
// (test/app/memory.test.ts) and the soak (bench/soak.ts): JSON, path parameters, a JSON body,
// 404 and 422 answers, an offloaded route, a dependency with cleanup and a background task, and a
// short event stream. `GET /__memory` reports process.memoryUsage() (after a full GC with `?gc=1`,
// when node runs with --expose-gc). LEAK=1 adds `GET /leak`, which leaks on purpose: a Map keyed
// by the request, never emptied, as a real bug would, so the tests can show that they catch one.
// THREADS=n gives the offload pool n threads, all started at once (default: the App's pool, which
// starts with one and grows under load). Listens on 127.0.0.1:$PORT (0: a free port) and prints
// `ready <port>`.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { IncomingMessage } from 'node:http';
import { isMainThread } from 'node:worker_threads';
import { App, dependency, sse, t } from '../../src/index.js';

const threads = process.env.THREADS === undefined ? undefined : Number(process.env.THREADS);
const app = new App({ logger: false, module: import.meta.url, ...(threads === undefined ? {} : { pool: { threads, minThreads: threads } }) });

const Message = t.Object({ message: t.String() });
const User = t.Object({ id: t.Integer() });
const Person = t.Object({ name: t.String(), age: t.Integer() });

app.get('/json', { response: { 200: Message } }, async () => ({ message: 'hello' }));

app.get('/users/:id', { params: t.Object({ id: t.Integer() }), response: { 200: User } }, async ({ params }) => ({ id: params.id }));

app.post('/echo', { body: Person, response: { 200: Person } }, async ({ body }) => body);

// Blocking work, on a worker thread: a few thousand rounds of arithmetic.
app.get('/offload', { offload: true, query: t.Object({ n: t.Optional(t.Integer({ minimum: 1, maximum: 100_000 })) }) }, ({ query }) => {
  let sum = 0;
  for (let i = 1; i <= (query.n ?? 2_000); i++) sum = (sum + i * i) % 1_000_003;
  return { sum };
});

// A dependency with setup and cleanup (a generator), and a background task after the response.
let opened = 0;
let cleaned = 0;
let backgroundRuns = 0;
const resource = dependency(async function* resource() {
  const handle = { id: ++opened, buffer: Buffer.alloc(1024) };
  try {
    yield handle;
  } finally {
    cleaned++;
  }
});
app.get('/dep', { deps: { resource } }, async ({ deps, background }) => {
  background.add(() => void backgroundRuns++);
  return { resource: deps.resource.id, bytes: deps.resource.buffer.length };
});

// Three events, then the stream ends.
app.get('/events', async () =>
  sse(
    (async function* () {
      for (let i = 1; i <= 3; i++) yield { id: String(i), event: 'tick', data: { i } };
    })(),
  ),
);

// The kind of leak a real app grows: a per-request record (here the request and about 2 KB of
// numbers about it) kept in a module-level Map that nothing ever deletes from.
const leaks = new Map<IncomingMessage, { at: number; samples: number[] }>();
if (process.env.LEAK === '1') {
  app.get('/leak', async ({ request }) => {
    leaks.set(request, { at: Date.now(), samples: Array.from({ length: 512 }, (_, i) => i) });
    return { leaked: leaks.size };
  });
}

const gc = (globalThis as { gc?: () => void }).gc;
app.get('/__memory', { query: t.Object({ gc: t.Optional(t.Boolean()) }) }, async ({ query }) => {
  if (query.gc === true) {
    if (gc === undefined) throw new Error('GET /__memory?gc=1 needs node --expose-gc');
    // Twice, a turn apart: the first collection's finalizers and weak callbacks run in between.
    gc();
    await nextTurn();
    gc();
  }
  return { ...process.memoryUsage(), dependencies: { opened, cleaned }, backgroundRuns, leaked: leaks.size };
});

const { port } = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
// Worker threads load this module too (for /offload); their listen() opens nothing and says port 0.
if (isMainThread) process.stdout.write(`ready ${port}\n`);
