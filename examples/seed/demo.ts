// The seed's missing "Performance Evidence": serves the seed app in its own process, sends
// concurrent requests to /async and to /sync, and measures how long a cheap /ping waits meanwhile.
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
  probe: number;
}

const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./serve.ts', import.meta.url))], {
  env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', SEED_DELAY_MS: String(delayMs) },
  stdio: ['ignore', 'pipe', 'inherit'],
});

try {
  const base = await readyUrl();
  const rows = [await measure(base, '/async'), await measure(base, '/sync')];
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

async function timed(url: string): Promise<number> {
  const start = performance.now();
  const res = await fetch(url);
  await res.text();
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return performance.now() - start;
}

/** N concurrent calls to the route; a /ping sent just after them shows whether the loop is free. */
async function measure(base: string, route: string): Promise<Row> {
  const start = performance.now();
  const calls = Array.from({ length: CONCURRENT }, () => timed(base + route));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const probe = await timed(`${base}/ping`);
  const durations = await Promise.all(calls);
  return { route, wall: performance.now() - start, slowest: Math.max(...durations), probe };
}

function print(rows: Row[]): void {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`\nSeed evidence: ${CONCURRENT} concurrent requests per route, each waiting ${delayMs} ms\n`);
  const header = ['route', 'all done after', 'slowest request', '/ping meanwhile', 'verdict'];
  const table = rows.map((row) => {
    const blocked = row.probe > delayMs / 2;
    return [
      `GET ${row.route}`,
      seconds(row.wall),
      seconds(row.slowest),
      `${row.probe.toFixed(0)} ms`,
      blocked ? '[X] Bad: the event loop was blocked' : '[OK] Good: the loop stayed free',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
  console.log(
    `\n/async: the waits overlap, so ${CONCURRENT} requests finish in about one wait.` +
      `\n/sync:  each wait holds the only thread, so requests (and /ping) queue behind it.` +
      `\nThe fix for blocking code: make it async, or mark the route \`offload: true\` (coming with the offload pool).\n`,
  );
}
