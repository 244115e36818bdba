// Express 5 as users get it: `express()` with its defaults (including the ETag it computes for every
// `res.json` body and the X-Powered-By header), `express.json()` for the body, and a hand-written
// check in each handler, the same checks raw-http makes: an id that is not an integer and a body
// without a string `name` and an integer `age` get 422 (malformed JSON: 400, from express.json()).
// Express has no validation of its own; a hand check is the common idiom and adds no dependency.
import express, { type Response } from 'express';
import type { AddressInfo } from 'node:net';

const INTEGER = /^-?\d{1,15}$/; // 15 digits: always a safe integer, as in raw-http.ts

function invalid(res: Response, where: string): void {
  res.status(422).json({ detail: [{ loc: where.split('.'), msg: 'invalid' }] });
}

const app = express();
app.use(express.json());

app.get('/json', (_req, res) => {
  res.json({ message: 'hello' });
});

app.get('/users/:id', (req, res) => {
  const id = req.params.id;
  if (!INTEGER.test(id)) return invalid(res, 'path.id');
  res.json({ id: Number(id) });
});

app.post('/echo', (req, res) => {
  // Express 5 leaves req.body undefined when there is no JSON body.
  const { name, age } = (req.body ?? {}) as { name?: unknown; age?: unknown };
  if (typeof name !== 'string') return invalid(res, 'body.name');
  if (typeof age !== 'number' || !Number.isInteger(age)) return invalid(res, 'body.age');
  // Only the declared fields go back, as a response schema would do.
  res.json({ name, age });
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  process.stdout.write(`ready ${(server.address() as AddressInfo).port}\n`);
});
