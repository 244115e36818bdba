// An offloaded handler's ip, protocol and host are the ones the main thread worked out (socket,
// trustProxy), not a worker thread's guess without a socket.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { app } from './fixtures/offloaded-client-app.js';
import { serveApp, type Listening } from '../support/http.js';

let server: Listening;
before(async () => {
  server = await serveApp(app);
});
after(() => server?.close());

test('an offloaded handler sees the same client as an inline one: the forwarded address, scheme and host', async () => {
  const headers = { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' };
  const inline = await (await fetch(`${server.url}/whoami`, { headers })).json();
  const offloaded = await (await fetch(`${server.url}/whoami-offloaded`, { headers })).json();
  assert.deepEqual(inline, { ip: '203.0.113.7', protocol: 'https', host: 'api.example.com' });
  assert.deepEqual(offloaded, inline);
});

test('a forwarded value that is not an address is not the client: the trusted peer stands for it', async () => {
  for (const forwarded of ['<script>', 'unknown', 'not-an-ip, <script>']) {
    const seen = (await (await fetch(`${server.url}/whoami`, { headers: { "x-forwarded-for": forwarded } })).json()) as { ip: string };
    assert.equal(seen.ip, '127.0.0.1', forwarded);
  }
});

test('an IPv4 address written as IPv6 is the same client in its IPv4 form', async () => {
  const seen = (await (await fetch(`${server.url}/whoami`, { headers: { "x-forwarded-for": "::ffff:203.0.113.7" } })).json()) as { ip: string };
  assert.equal(seen.ip, '203.0.113.7');
});
