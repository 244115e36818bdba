// The seed's missing "Performance Evidence": serves the seed app in its own process, sends
// concurrent requests to /async, /sync (offloaded) and /blocking (inline), and meanwhile keeps
// calling the cheap /json to measure how long the server makes everyone else wait.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CONCURRENT = Number(process.env.SEED_CONCURRENT ?? 3);
const delayMs = Number(process.env.SEED_DELAY_MS ?? 2000);

interface Row {
  route: string;
  wall: number;
  slowest: number;
  /** The slowest /json answer while the route's requests were in flight. */
  worstProbe: number;
  probes: number;
  /** /json calls the loop guard answered 503 (load shedding) because the loop had stalled. */
  shed: number;
}

const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./serve.ts', import.meta.url))], {
  env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', SEED_DELAY_MS: String(delayMs) },
  stdio: ['ignore', 'pipe', 'inherit'],
});

try {
  const base = await readyUrl();
  // Start the worker threads /sync will use, as a server that has been up a while would have them.
  await Promise.all(Array.from({ length: CONCURRENT }, () => timed(`${base}/sync?warm`)));
  const rows = [];
  for (const route of ['/async', '/sync', '/blocking']) rows.push(await measure(base, route));
  print(rows);
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
}

async function readyUrl(): Promise<string> {
  const lines = createInterface({ input: server.stdout! });
  const timeout = setTimeout(() => server.kill(), 20_000);
  for await (const line of lines) {
    if (line.startsWith('ready ')) {
      clearTimeout(timeout);
      return line.slice('ready '.length);
    }
  }
  throw new Error('the seed server exited before it was ready');
}

async function timed(url: string, allowShed = false): Promise<number> {
  const start = performance.now();
  const res = await fetch(url);
  await res.text();
  if (!res.ok && !(allowShed && res.status === 503)) throw new Error(`${url} answered ${res.status}`);
  return res.status === 503 ? -(performance.now() - start) : performance.now() - start;
}

/** N concurrent calls to the route; /json, called one after another until they finish, shows whether the loop is free. */
async function measure(base: string, route: string): Promise<Row> {
  const start = performance.now();
  let inFlight = true;
  const calls = Promise.all(Array.from({ length: CONCURRENT }, () => timed(base + route))).finally(() => (inFlight = false));
  await new Promise((resolve) => setTimeout(resolve, 20)); // let the route's requests reach the server first
  const probes: number[] = []; // negative: answered 503 by the loop guard after that long
  while (inFlight && probes.length < 10_000) probes.push(await timed(`${base}/json`, true));
  const durations = await calls;
  const waits = probes.map(Math.abs);
  return {
    route,
    wall: performance.now() - start,
    slowest: Math.max(...durations),
    worstProbe: Math.max(0, ...waits),
    probes: probes.length,
    shed: probes.filter((ms) => ms < 0).length,
  };
}

function print(rows: Row[]): void {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`\nSeed evidence: ${CONCURRENT} concurrent requests per route, each waiting ${delayMs} ms\n`);
  const header = ['route', 'all done after', 'slowest request', '/json meanwhile (worst)', 'verdict'];
  const table = rows.map((row) => {
    const blocked = row.worstProbe > delayMs / 2;
    return [
      `GET ${row.route}`,
      seconds(row.wall),
      seconds(row.slowest),
      `${row.worstProbe.toFixed(0)} ms (${row.probes} calls${row.shed > 0 ? `, ${row.shed} shed: 503` : ''})`,
      blocked ? '[X] Bad: the event loop was blocked' : '[OK] Good: the loop stayed free',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
  console.log(
    `\n/async:    the waits overlap on the event loop, so ${CONCURRENT} requests finish in about one wait.` +
      `\n/sync:     the same blocking wait, marked offload: true: each runs on a worker thread, the loop stays free.` +
      `\n/blocking: the blocking wait inline: it holds the only thread, so requests (and /json) queue behind it;` +
      `\n           the server's loop guard names the route in its log, and sheds what arrived during the stall (503).\n`,
  );
}
