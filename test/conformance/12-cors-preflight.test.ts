// Cause 12 (CORS): a preflight is answered as Starlette's CORSMiddleware answers it. The app mirrors
// FastAPI's docs_src/cors/tutorial001.py: allow_origins=[four origins], allow_credentials=True,
// allow_methods=["*"], allow_headers=["*"], and GET / → {"message": "Hello World"}.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cors } from '../../src/index.js';
import { request, serveApp } from '../support/http.js';
import { quietApp } from '../support/quiet-app.js';

const app = quietApp();
app.use(
  cors({
    origin: ['http://localhost.tiangolo.com', 'https://localhost.tiangolo.com', 'http://localhost', 'http://localhost:8080'],
    credentials: true,
    methods: '*',
    allowedHeaders: '*',
  }),
);
app.get('/', () => ({ message: 'Hello World' }));

let port = 0;
let close: () => Promise<void>;
before(async () => ({ port, close } = await serveApp(app)));
after(() => close());

// FastAPI tests/test_tutorial/test_cors/test_tutorial001.py, test_cors (pre-flight part):
//   status 200, response.text == "OK",
//   access-control-allow-origin == "https://localhost.tiangolo.com",
//   access-control-allow-headers == "X-Example".
// The content type is Starlette's PlainTextResponse's (starlette/middleware/cors.py, preflight_response).
test('a valid preflight: 200 "OK" in plain text, the origin and the asked-for header allowed', async () => {
  const res = await request(port, '/', {
    method: 'OPTIONS',
    headers: { origin: 'https://localhost.tiangolo.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'X-Example' },
  });
  assert.equal(res.status, 200);
  assert.equal(res.text, 'OK');
  assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(res.headers['access-control-allow-origin'], 'https://localhost.tiangolo.com');
  assert.equal(res.headers['access-control-allow-headers'], 'X-Example');
  assert.equal(res.headers['access-control-allow-credentials'], 'true');
  assert.equal(res.headers['access-control-max-age'], '600');
});

// FastAPI tests/test_tutorial/test_cors/test_tutorial001.py, test_cors (standard and non-CORS parts):
//   GET / with Origin → 200 {"message": "Hello World"}, access-control-allow-origin == the origin;
//   GET / without Origin → 200, no access-control-allow-origin.
test('a simple request gets the origin back; a request without Origin gets no CORS header', async () => {
  const res = await request(port, '/', { headers: { origin: 'https://localhost.tiangolo.com' } });
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.text), { message: 'Hello World' });
  assert.equal(res.headers['access-control-allow-origin'], 'https://localhost.tiangolo.com');
  const plain = await request(port, '/');
  assert.equal(plain.status, 200);
  assert.deepEqual(JSON.parse(plain.text), { message: 'Hello World' });
  assert.equal(plain.headers['access-control-allow-origin'], undefined);
});

// starlette/middleware/cors.py, preflight_response: a refused origin →
//   PlainTextResponse("Disallowed CORS origin", status_code=400), without Access-Control-Allow-Origin.
test('a preflight from an origin not allowed: 400 "Disallowed CORS origin"', async () => {
  const res = await request(port, '/', {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'GET' },
  });
  assert.equal(res.status, 400);
  assert.equal(res.text, 'Disallowed CORS origin');
  assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(res.headers['access-control-allow-origin'], undefined);
});

// starlette/middleware/cors.py, preflight_response: failures joined as "Disallowed CORS " + ", ".join(...)
// in the order origin, method, headers; allow_methods=["*"] stands for ALL_METHODS (DELETE, GET, HEAD,
// OPTIONS, PATCH, POST, PUT), so another method is refused; allow_headers given as a list refuses others.
test('a refused method and refused headers are named too, in Starlette\'s order', async () => {
  const method = await request(port, '/', {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost', 'access-control-request-method': 'PROPFIND' },
  });
  assert.equal(method.status, 400);
  assert.equal(method.text, 'Disallowed CORS method');

  const strict = quietApp();
  strict.use(cors({ origin: ['http://localhost'], methods: ['GET'], allowedHeaders: ['X-Token'] }));
  strict.get('/', () => ({}));
  const server = await serveApp(strict);
  try {
    const all = await request(server.port, '/', {
      method: 'OPTIONS',
      headers: { origin: 'http://other', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-token, x-other' },
    });
    assert.equal(all.status, 400);
    assert.equal(all.text, 'Disallowed CORS origin, method, headers');
    const ok = await request(server.port, '/', {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost', 'access-control-request-method': 'GET', 'access-control-request-headers': 'X-Token, Content-Type' },
    });
    assert.equal(ok.status, 200, 'Content-Type is CORS-safelisted: Starlette allows it without listing');
    assert.equal(ok.text, 'OK');
  } finally {
    await server.close();
  }
});
