// Fastify 5 as its docs recommend: JSON Schemas for params and body (validated by its ajv), and, unless
// BENCH_RESPONSE_SCHEMAS=0, response schemas (serialized by fast-json-stringify). The schemas are
// built with TypeBox, the same objects loopwise's `t` builds, so both validate exactly the same thing.
import { Type } from '@sinclair/typebox';
import { fastify } from 'fastify';

const withResponseSchemas = process.env.BENCH_RESPONSE_SCHEMAS !== '0';
const Message = Type.Object({ message: Type.String() });
const User = Type.Object({ id: Type.Integer() });
const Person = Type.Object({ name: Type.String(), age: Type.Integer() });
const responds = (schema: object) => (withResponseSchemas ? { response: { 200: schema } } : {});

const app = fastify({ logger: false });

app.get('/json', { schema: { ...responds(Message) } }, async () => ({ message: 'hello' }));

app.get<{ Params: { id: number } }>(
  '/users/:id',
  { schema: { params: Type.Object({ id: Type.Integer() }), ...responds(User) } },
  async (request) => ({ id: request.params.id }),
);

app.post<{ Body: { name: string; age: number } }>(
  '/echo',
  { schema: { body: Person, ...responds(Person) } },
  async (request) => request.body,
);

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
process.stdout.write(`ready ${new URL(address).port}\n`);
