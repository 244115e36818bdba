// Dev mode (LOOPWISE_DEV=1, set by `loopwise dev`) and the log format, seen from outside: the
// app runs in its own process and the test reads what it writes to stdout. Dev mode means pretty
// logs with an access line per request, Server-Timing, /metrics and blocking stacks; an explicit
// App option always wins. Also: the environment's flags are checked, not guessed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, LoopwiseError } from '../../src/index.js';
import { onBun } from '../support/runtime.js';

const FIXTURE = new URL('./fixtures/dev-app.ts', import.meta.url).pathname;
/** What the environment may set that would change what these tests see. */
const CLEARED = ['LOOPWISE_DEV', 'LOOPWISE_ACCESS_LOG', 'LOOPWISE_LOG_FORMAT', 'LOG_LEVEL', 'NODE_ENV', 'FORCE_COLOR', 'NO_COLOR'];

interface Settings {
  accessLog: boolean;
  metrics: boolean;
  serverTiming: boolean;
  captureStacks: boolean;
}

interface DevServer {
  base: string;
  settings: Settings;
  /** Every line the process wrote to stdout, as text. */
  output: string[];
  /** Polls (bounded) until a line matches; returns it or undefined. */
  waitFor(pattern: RegExp, ms?: number): Promise<string | undefined>;
  stop(): Promise<void>;
}

async function startDevApp(env: Record<string, string>, options: object = {}): Promise<DevServer> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CLEARED) delete base[name];
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: { ...base, ...env, APP_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const output: string[] = [];
  let onReady: (line: string) => void;
  const ready = new Promise<string>((resolve) => (onReady = resolve));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('ready ')) onReady(line);
    else output.push(line);
  });
  const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const line = await Promise.race([ready, once(child, 'exit').then(() => Promise.reject(new Error('the dev app exited before it was ready')))]);
  clearTimeout(kill);
  const [, port, json] = /^ready (\d+) (.*)$/.exec(line)!;
  return {
    base: `http://127.0.0.1:${port}`,
    settings: JSON.parse(json!) as Settings,
    output,
    async waitFor(pattern, ms = 3_000) {
      const deadline = Date.now() + ms;
      let found: string | undefined;
      while ((found = output.find((text) => pattern.test(text))) === undefined && Date.now() < deadline) await sleep(10);
      return found;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      const [code] = await exited;
      clearTimeout(timer);
      assert.equal(code, 0, 'a graceful exit on SIGTERM');
    },
  };
}

test('LOOPWISE_DEV=1: pretty lines with an access line per request, Server-Timing, /metrics, blocking stacks', async () => {
  const dev = await startDevApp({ LOOPWISE_DEV: '1' });
  try {
    assert.deepEqual(dev.settings, { accessLog: true, metrics: true, serverTiming: true, captureStacks: true });
    const res = await fetch(`${dev.base}/json?token=s3cret`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { message: 'hello' });
    assert.match(res.headers.get('server-timing') ?? '', /handler;dur=/);

    // "[12:34:56.789] INFO: GET /json 200 0.42ms": time, level, message; no colours into a pipe.
    const access = await dev.waitFor(/GET \/json 200/);
    assert.ok(access, `no access line in:\n${dev.output.join('\n')}`);
    // A loaded host may have stalled the loop just before: the line then says how long the request waited for it.
    assert.match(access, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/json 200 \d+\.\d\dms( \(waited up to \d+\.\d\dms for a stalled event loop\))?$/);
    assert.ok(!dev.output.join('\n').includes('s3cret'), 'the query string is not logged');
    assert.match(dev.output.find((text) => text.includes('listening on')) ?? '', /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: loopwise listening on http:\/\/127\.0\.0\.1:\d+$/);
    for (const text of dev.output) {
      assert.ok(!text.trimStart().startsWith('{'), `a JSON line in pretty mode: ${text}`);
      assert.ok(!text.includes('\u001b['), `colour codes written to a pipe: ${JSON.stringify(text)}`);
    }

    const metrics = await fetch(`${dev.base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^# HELP /m);

    // captureStacks: the stall warning names the blocking call's file and line (dev-app.ts:6, in blockingWait).
    // The pause must land while the call blocks; on a loaded machine the watchdog thread may be
    // scheduled late, so up to three tries (test/guard/stall-watchdog.test.ts tests the capture itself).
    await sleep(300); // the watchdog thread starts with listen()
    const stalls = (): string[] => dev.output.filter((text) => /WARN: GET \/block blocked the event loop/.test(text));
    for (let attempt = 0; attempt < 3 && !stalls().some((text) => text.includes('dev-app.ts:6')); attempt++) {
      const seen = stalls().length;
      assert.equal((await fetch(`${dev.base}/block?ms=500`)).status, 200);
      const deadline = Date.now() + 3_000;
      while (stalls().length === seen && Date.now() < deadline) await sleep(10);
    }
    assert.ok(stalls().length > 0, `no stall warning in:\n${dev.output.join('\n')}`);
    // Bun's inspector cannot pause the main thread for its stack: the warning names the route, not the line.
    if (onBun) return;
    assert.ok(
      stalls().some((text) => /at test\/app\/fixtures\/dev-app\.ts:6 \(blockingWait\)/.test(text)),
      `no warning names the blocking line:\n${stalls().join('\n')}`,
    );
  } finally {
    await dev.stop();
  }
});

test('LOOPWISE_DEV=1: explicit App options win over every dev default', async () => {
  const dev = await startDevApp({ LOOPWISE_DEV: '1' }, { metrics: false, accessLog: false, guard: { serverTiming: false, captureStacks: false } });
  try {
    assert.deepEqual(dev.settings, { accessLog: false, metrics: false, serverTiming: false, captureStacks: false });
    const res = await fetch(`${dev.base}/json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('server-timing'), null);
    assert.equal((await fetch(`${dev.base}/metrics`)).status, 404);
    await sleep(200);
    assert.equal(dev.output.filter((text) => text.includes('GET /json')).length, 0, dev.output.join('\n'));
    // Still pretty: that default belongs to the logger, which was not set.
    assert.match(dev.output.find((text) => text.includes('listening on')) ?? '', /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: /);
  } finally {
    await dev.stop();
  }
});

test('LOOPWISE_DEV=1 with LOOPWISE_LOG_FORMAT=json: JSON lines, the access line with its fields', async () => {
  const dev = await startDevApp({ LOOPWISE_DEV: '1', LOOPWISE_LOG_FORMAT: 'json' });
  try {
    assert.equal((await fetch(`${dev.base}/json?q=1`)).status, 200);
    const text = await dev.waitFor(/"msg":"GET \/json 200 /);
    assert.ok(text, dev.output.join('\n'));
    const line = JSON.parse(text) as Record<string, unknown>;
    assert.equal(line.method, 'GET');
    assert.equal(line.path, '/json');
    assert.equal(line.route, 'GET /json');
    assert.equal(line.status, 200);
    assert.equal(line.level, 30);
    assert.ok(typeof line.durationMs === 'number' && line.durationMs > 0);
    assert.match(String(line.reqId), /^[0-9a-f-]{36}$/);
  } finally {
    await dev.stop();
  }
});

test('production (no dev mode): JSON lines; LOOPWISE_ACCESS_LOG=1 adds the access line and nothing else', async () => {
  const prod = await startDevApp({ LOOPWISE_ACCESS_LOG: '1' });
  try {
    assert.deepEqual(prod.settings, { accessLog: true, metrics: false, serverTiming: false, captureStacks: false });
    const res = await fetch(`${prod.base}/json`);
    assert.equal(res.headers.get('server-timing'), null);
    assert.equal((await fetch(`${prod.base}/metrics`)).status, 404);
    const text = await prod.waitFor(/"msg":"GET \/json 200 /);
    assert.ok(text, prod.output.join('\n'));
    for (const line of prod.output) JSON.parse(line); // every line is JSON
  } finally {
    await prod.stop();
  }
});

test('LOOPWISE_LOG_FORMAT=pretty alone: pretty lines, nothing else of dev mode; FORCE_COLOR colours them into a pipe', async () => {
  const pretty = await startDevApp({ LOOPWISE_LOG_FORMAT: 'pretty', FORCE_COLOR: '1' });
  try {
    assert.deepEqual(pretty.settings, { accessLog: false, metrics: false, serverTiming: false, captureStacks: false });
    const listening = pretty.output.find((text) => text.includes('listening on')) ?? '';
    assert.ok(listening.includes('\u001b[32mINFO'), `green INFO: ${JSON.stringify(listening)}`);
    assert.match(listening.replace(/\u001b\[\d+m/g, ''), /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: loopwise listening on /);
  } finally {
    await pretty.stop();
  }
});

test('a flag the environment sets wrong is refused when the App is made, naming the variable', () => {
  const saved = process.env.LOOPWISE_DEV;
  const savedFormat = process.env.LOOPWISE_LOG_FORMAT;
  try {
    process.env.LOOPWISE_DEV = 'maybe';
    assert.throws(() => new App({ logger: false, metrics: false }), (error: unknown) => error instanceof LoopwiseError && /LOOPWISE_DEV="maybe" is not a flag/.test(error.message));
    process.env.LOOPWISE_DEV = 'TRUE';
    assert.equal(new App({ logger: false, metrics: false }).accessLog, true);
    process.env.LOOPWISE_DEV = '';
    assert.equal(new App({ logger: false, metrics: false }).accessLog, false, 'empty is unset');
    process.env.LOOPWISE_LOG_FORMAT = 'xml';
    assert.throws(() => new App(), /LOOPWISE_LOG_FORMAT="xml" is not a log format: use json or pretty/);
  } finally {
    if (saved === undefined) delete process.env.LOOPWISE_DEV;
    else process.env.LOOPWISE_DEV = saved;
    if (savedFormat === undefined) delete process.env.LOOPWISE_LOG_FORMAT;
    else process.env.LOOPWISE_LOG_FORMAT = savedFormat;
  }
});
