// The bar for bench/start-time.ts: bare node:http answering GET /json, nothing else loaded.
import { createServer } from 'node:http';

const body = JSON.stringify({ message: 'hello' });
createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/json') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body);
  } else {
    res.writeHead(404).end();
  }
}).listen(Number(process.env.PORT), '127.0.0.1');
