// bun-floor.ts's server, in a process that first loads loopwise and compiles the bench app's three
// routes (bench/apps/loopwise.ts's, guard off, logger off), then drops the startup code as listen()
// does (Bun.shrink): every request is the floor's, so what this costs over bun-floor.ts is what the
// loaded code costs each request (the garbage collector walks it). Run by `bun` only.
import { App, t } from '../../src/index.js';

const app = new App({ logger: false, guard: { enabled: false } });
const Person = t.Object({ name: t.String(), age: t.Integer() });
app.get('/json', { response: { 200: t.Object({ message: t.String() }) } }, async () => ({ message: 'hello' }));
app.get('/users/:id', { params: t.Object({ id: t.Integer() }), response: { 200: t.Object({ id: t.Integer() }) } }, async ({ params }) => ({ id: params.id }));
app.post('/echo', { body: Person, response: { 200: Person } }, async ({ body }) => body);
void app.handler; // compiles every route, as listen() would

(globalThis as unknown as { Bun: { shrink(): void } }).Bun.shrink();
await new Promise((resolve) => setImmediate(resolve));
await import('./bun-floor.js');
