// The JavaScript a Bun server runs per request, without the socket: the bench app's Bun.serve route
// handlers (bench/apps/elysia.ts or loopwise.ts) called in a loop on fresh web Requests, each answer
// read to its end, against a floor that only makes the Request and reads a fixed Response. What is
// left is the framework's own work per request (routing done by Bun, as on the wire). No kernel, no
// client: the machine's noise moves it far less than a wrk run (bench/RESULTS.md, issue 23).
// usage: bun bench/bun-route-calls.ts elysia|loopwise [ROUNDS]
interface ServeOptions {
  routes: Record<string, Record<string, (request: Request, server: unknown) => Response | Promise<Response>>>;
}
interface BunGlobal {
  serve(options: ServeOptions): unknown;
  nanoseconds(): number;
}
const { Bun } = globalThis as unknown as { Bun: BunGlobal };

const which = process.argv[2];
if (which !== 'elysia' && which !== 'loopwise') throw new Error('usage: bun bench/bun-route-calls.ts elysia|loopwise [ROUNDS]');
const rounds = Number(process.argv[3] ?? 5);

// The app's own Bun.serve call, kept so that its route handlers can be called directly.
let captured: ServeOptions | undefined;
const serve = Bun.serve.bind(Bun);
Bun.serve = (options) => {
  captured = options;
  return serve(options);
};
process.env.PORT = '0';
await import(which === 'elysia' ? './apps/elysia.ts' : './apps/loopwise.ts');
if (captured === undefined) throw new Error(`${which} did not call Bun.serve`);
const routes = captured.routes;
// What a route handler may ask of Bun's server: loopwise asks for the client's address and a timeout.
const server = { requestIP: () => ({ address: '127.0.0.1', family: 'IPv4', port: 40000 }), timeout() {}, upgrade: () => false, pendingRequests: 0 };

const BODY = '{"name":"Ada","age":36}';
const cases = [
  { label: 'GET /json', path: '/json', key: '/json', method: 'GET' },
  { label: 'GET /users/:id', path: '/users/42', key: '/users/:id', method: 'GET' },
  // With its Content-Length, as wrk sends it (bench/echo.lua): a body of known length is read whole.
  { label: 'POST /echo', path: '/echo', key: '/echo', method: 'POST' },
] as const;

function requestFor(path: string, method: string): Request {
  const url = `http://127.0.0.1:3000${path}`;
  const request =
    method === 'POST'
      ? new Request(url, { method, body: BODY, headers: { 'content-type': 'application/json', 'content-length': String(BODY.length), host: '127.0.0.1:3000' } })
      : new Request(url, { headers: { host: '127.0.0.1:3000' } });
  if (path === '/users/42') (request as Request & { params: Record<string, string> }).params = { id: '42' };
  return request;
}

const CALLS = 100_000;
for (const { label, path, key, method } of cases) {
  const handler = routes[key]?.[method];
  if (handler === undefined) throw new Error(`${which} has no Bun route for ${method} ${key}`);
  const call = async () => (await handler(requestFor(path, method), server)).text();
  const floor = async () => {
    requestFor(path, method);
    return new Response('{"message":"hello"}').text();
  };
  for (let i = 0; i < 20_000; i++) await call(); // warm: the JIT's tiers
  const costs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let start = Bun.nanoseconds();
    for (let i = 0; i < CALLS; i++) await call();
    const routeNs = (Bun.nanoseconds() - start) / CALLS;
    start = Bun.nanoseconds();
    for (let i = 0; i < CALLS; i++) await floor();
    costs.push(routeNs - (Bun.nanoseconds() - start) / CALLS);
  }
  costs.sort((a, b) => a - b);
  const median = costs[Math.floor(costs.length / 2)]!;
  console.log(`${which.padEnd(8)} ${label.padEnd(15)} ${median.toFixed(0).padStart(5)} ns per call over the floor (rounds ${costs.map((c) => c.toFixed(0)).join(', ')})`);
}
process.exit(0);
