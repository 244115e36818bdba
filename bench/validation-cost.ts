// What rejecting a hostile 1 MiB body costs the server: for each body of
// bench/lib/hostile-bodies.ts, posted to the README tutorial's app in a child process
// (bench/apps/tutorial-422-app.ts), the event loop's longest delay while it was
// handled (perf_hooks' monitorEventLoopDelay in the server), the time to the full answer, and
// the answer's size. A valid 1 MiB body is the baseline: parsing and echoing it is the floor.
// Then, in this process, the three phases of each rejection apart: JSON.parse, validation (with
// the issues built), and JSON.stringify of the 422's body.
// Then the bodies an attack review found slipping past the budget (a recursive schema, uniqueItems
// over objects, format url), against bench/apps/budget-holes-app.ts the same way.
// Usage: npm run bench:422 -- [rounds=5]
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { MODEL_OF_PATH } from './apps/tutorial-models.js';
import { hostileBodies, deepWrongTree, hostileUrl, uniqueObjects, BODY_BYTES, type HostileBody } from './lib/hostile-bodies.js';
import { startApp, stopServer } from './lib/server-process.js';
import { compileJsonBodyValidator } from '../src/schema/validator.js';

const rounds = Number(process.argv[2] ?? 5);
const fixture = fileURLToPath(new URL('./apps/tutorial-422-app.ts', import.meta.url));
const holesFixture = fileURLToPath(new URL('./apps/budget-holes-app.ts', import.meta.url));

interface Answer {
  status: number;
  bytes: number;
  ms: number;
}

function send(port: number, method: string, path: string, body?: string): Promise<Answer & { text: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request({ host: '127.0.0.1', port, method, path, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const all = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, bytes: all.length, ms: performance.now() - started, text: all.length < 4096 ? all.toString() : '' });
      });
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path} took over 60 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A GET the loop guard may shed (503) while the server recovers from a stall: retried for up to 10 s. */
async function getJson<T>(port: number, path: string): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const answer = await send(port, 'GET', path);
    if (answer.status === 200) return JSON.parse(answer.text) as T;
    if (attempt === 40) throw new Error(`GET ${path}: ${answer.status} ${answer.text}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function loopDelay(port: number): Promise<number> {
  return (await getJson<{ maxMs: number }>(port, '/loop-delay')).maxMs;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const valid: HostileBody = (() => {
  const head = '{"name":"a","price":1,"tags":[';
  const count = Math.floor((BODY_BYTES - head.length - 2) / 4);
  return { name: `baseline: ${count} valid tags (201)`, path: '/items', body: `${head}${'"a",'.repeat(count - 1)}"a"]}` };
})();

const rows: string[] = [];
const holes = [deepWrongTree(), uniqueObjects(12_000, true), uniqueObjects(8_000, false), hostileUrl(10_000), hostileUrl(40_000)];
for (const [app, bodies] of [[fixture, [valid, ...hostileBodies()]], [holesFixture, holes]] as const) {
 const server = await startApp(app);
 try {
  for (const entry of bodies) {
    const delays: number[] = [];
    const times: number[] = [];
    let last: Answer | undefined;
    for (let round = 0; round < rounds; round++) {
      await loopDelay(server.port);
      last = await send(server.port, 'POST', entry.path, entry.body);
      times.push(last.ms);
      // Let the histogram see the loop free again before reading it.
      await new Promise((resolve) => setTimeout(resolve, 20));
      delays.push(await loopDelay(server.port));
    }
    const pid = await getJson<{ pid: number }>(server.port, '/pid');
    if (pid.pid !== server.child.pid) throw new Error(`the server was replaced: ${JSON.stringify(pid)} vs ${server.child.pid}`);
    rows.push(
      `| ${entry.name} | ${Buffer.byteLength(entry.body)} | ${last!.status} | ${last!.bytes} | ${median(delays).toFixed(1)} (max ${Math.max(...delays).toFixed(1)}) | ${median(times).toFixed(1)} |`,
    );
  }
 } finally {
  await stopServer(server.child);
 }
}
console.log(`Node ${process.version}, ${rounds} rounds per body; the server in a child process, median (max).\n`);
console.log('| body | request bytes | status | answer bytes | server loop delay, ms | time to full answer, ms |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(row);

const phases: string[] = [];
for (const entry of hostileBodies()) {
  // As a JSON body route validates: exact, then (failed) the lax pass, then the issues quoting the body read again.
  const validate = compileJsonBodyValidator(MODEL_OF_PATH[entry.path as keyof typeof MODEL_OF_PATH], { route: `POST ${entry.path}`, reread: (text: string) => JSON.parse(text) as unknown });
  const parse: number[] = [];
  const check: number[] = [];
  const write: number[] = [];
  let issues = 0;
  for (let round = 0; round < rounds; round++) {
    let started = performance.now();
    const data = JSON.parse(entry.body) as unknown;
    parse.push(performance.now() - started);
    started = performance.now();
    const found = validate(data, entry.body)?.issues ?? [];
    check.push(performance.now() - started);
    started = performance.now();
    JSON.stringify({ detail: found });
    write.push(performance.now() - started);
    issues = found.length;
  }
  phases.push(`| ${entry.name} | ${median(parse).toFixed(1)} | ${median(check).toFixed(1)} | ${median(write).toFixed(1)} | ${issues} |`);
}
console.log('\nIn this process, median ms:\n');
console.log('| body | JSON.parse | validate + issues | JSON.stringify | issues |');
console.log('|---|---|---|---|---|');
for (const row of phases) console.log(row);
