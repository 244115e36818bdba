// Hono 4 on @hono/node-server, as its docs show it: `new Hono()` (its default SmartRouter), handlers
// returning `c.json(...)`, and hono's own `validator` middleware for the path parameter and the
// JSON body, with a hand-written check inside (Hono's "manual validator"). The checks are the ones
// raw-http makes, so all servers accept and refuse the same requests: an id that is not an integer
// and a body without a string `name` and an integer `age` get 422 (malformed JSON: 400, from hono).
// No schema library: Hono has no built-in one, and the bench adds no dependency for it (see README).
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { validator } from 'hono/validator';

const INTEGER = /^-?\d{1,15}$/; // 15 digits: always a safe integer, as in raw-http.ts

const app = new Hono();

app.get('/json', (c) => c.json({ message: 'hello' }));

app.get(
  '/users/:id',
  validator('param', (value, c) => {
    const id = value['id'];
    if (id === undefined || !INTEGER.test(id)) return c.json({ detail: [{ loc: ['path', 'id'], msg: 'invalid' }] }, 422);
    return { id: Number(id) };
  }),
  (c) => c.json({ id: c.req.valid('param').id }),
);

app.post(
  '/echo',
  validator('json', (value, c) => {
    const { name, age } = (value ?? {}) as { name?: unknown; age?: unknown };
    if (typeof name !== 'string') return c.json({ detail: [{ loc: ['body', 'name'], msg: 'invalid' }] }, 422);
    if (typeof age !== 'number' || !Number.isInteger(age)) return c.json({ detail: [{ loc: ['body', 'age'], msg: 'invalid' }] }, 422);
    // Only the declared fields go on, as a response schema would do.
    return { name, age };
  }),
  (c) => c.json(c.req.valid('json')),
);

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`ready ${info.port}\n`);
});
