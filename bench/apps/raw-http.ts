// The bar: the three bench routes on bare node:http, with only the checks the frameworks also make.
// Routing, integer parsing and body validation are written by hand, as small as they can be while
// still rejecting what the frameworks reject.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const JSON_TYPE = 'application/json; charset=utf-8';
const INTEGER = /^-?\d{1,15}$/; // 15 digits: always a safe integer

function send(res: ServerResponse, status: number, value: unknown): void {
  // Serialized per request, as the frameworks do: a precomputed string would not be a fair bar.
  const payload = JSON.stringify(value);
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(payload) }).end(payload);
}

function invalid(res: ServerResponse, where: string): void {
  send(res, 422, { detail: [{ loc: where.split('.'), msg: 'invalid' }] });
}

function echo(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      invalid(res, 'body');
      return;
    }
    const { name, age } = (body ?? {}) as { name?: unknown; age?: unknown };
    if (typeof name !== 'string') return invalid(res, 'body.name');
    if (typeof age !== 'number' || !Number.isInteger(age)) return invalid(res, 'body.age');
    // Only the declared fields go back, as a response schema would do.
    send(res, 200, { name, age });
  });
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  if (req.method === 'GET' && path === '/json') return send(res, 200, { message: 'hello' });
  if (req.method === 'GET' && path.startsWith('/users/')) {
    const id = path.slice(7);
    if (!INTEGER.test(id)) return invalid(res, 'path.id');
    return send(res, 200, { id: Number(id) });
  }
  if (req.method === 'POST' && path === '/echo') return echo(req, res);
  send(res, 404, { detail: 'Not Found' });
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  process.stdout.write(`ready ${(server.address() as AddressInfo).port}\n`);
});
