// Elysia 1.4 on Bun, as its docs show it: one chained `new Elysia()`, handlers returning plain
// objects, and Elysia's own `t` (TypeBox) for the path parameter and the body. `t.Integer()` on a
// param is coerced from the path's string by Elysia itself, as `t.Integer()` is by loopwise. Response
// schemas are declared unless BENCH_RESPONSE_SCHEMAS=0, route for route like loopwise and Fastify.
// Run by `bun` only: the bench starts it with node_modules/.bin/bun.
import { Elysia, t } from 'elysia';

const withResponseSchemas = process.env.BENCH_RESPONSE_SCHEMAS !== '0';
const Message = t.Object({ message: t.String() });
const User = t.Object({ id: t.Integer() });
const Person = t.Object({ name: t.String(), age: t.Integer() });
const responds = <T>(schema: T) => (withResponseSchemas ? { response: { 200: schema } } : {});

const app = new Elysia()
  .get('/json', () => ({ message: 'hello' }), { ...responds(Message) })
  .get('/users/:id', ({ params }) => ({ id: params.id }), { params: t.Object({ id: t.Integer() }), ...responds(User) })
  .post('/echo', ({ body }) => body, { body: Person, ...responds(Person) })
  .listen({ port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' });

process.stdout.write(`ready ${app.server!.port}\n`);
