// loopwise as a user writes it, imported from the source (tsx transpiles it once, at load). Response
// schemas are declared unless BENCH_RESPONSE_SCHEMAS=0, matching the Fastify server route for route.
import { App, t } from '../../src/index.js';

const withResponseSchemas = process.env.BENCH_RESPONSE_SCHEMAS !== '0';
const Message = t.Object({ message: t.String() });
const User = t.Object({ id: t.Integer() });
const Person = t.Object({ name: t.String(), age: t.Integer() });

// The loop guard is on by default, as users get it; loopwise-noguard.ts turns it off to measure it.
// Silent unless BENCH_LOGGER=1: then JSON lines to stdout (which the bench drains), e.g. with
// LOOPWISE_ACCESS_LOG=1 to measure the access log (docs/logging.md).
const app = new App({ logger: process.env.BENCH_LOGGER === '1', guard: { enabled: process.env.BENCH_GUARD !== '0' } });

// BENCH_MIDDLEWARE=1: one middleware that awaits next(), to measure what an app with middleware pays.
if (process.env.BENCH_MIDDLEWARE === '1') {
  app.use(async (_req, res, next) => {
    await next();
    res.getHeader('content-type');
  });
}

app.get('/json', withResponseSchemas ? { response: { 200: Message } } : {}, async () => ({ message: 'hello' }));

app.get(
  '/users/:id',
  { params: t.Object({ id: t.Integer() }), ...(withResponseSchemas ? { response: { 200: User } } : {}) },
  async ({ params }) => ({ id: params.id }),
);

app.post(
  '/echo',
  { body: Person, ...(withResponseSchemas ? { response: { 200: Person } } : {}) },
  async ({ body }) => body,
);

const { port } = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
process.stdout.write(`ready ${port}\n`);
