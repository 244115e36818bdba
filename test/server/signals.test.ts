import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from '../support/http.js';
import { withTimeout } from '../support/with-timeout.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/slow-app.ts', import.meta.url));
const TIMEOUT = 15_000;

interface Child {
  process: ChildProcess;
  port: number;
  /** Resolves when the child prints a line equal to `text`. */
  line(text: string): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Starts the fixture app in its own process and waits for the port it prints. */
async function startChild(): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const seen: string[] = [];
  const waiters: { text: string; resolve: () => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    seen.push(line);
    for (const waiter of waiters.filter((w) => w.text === line)) waiter.resolve();
  });
  const line = (text: string): Promise<void> =>
    seen.includes(text) ? Promise.resolve() : new Promise((resolve) => waiters.push({ text, resolve }));

  const portLine = new Promise<number>((resolve, reject) => {
    const check = (): void => {
      const found = seen.find((l) => l.startsWith('{"port":'));
      if (found !== undefined) resolve((JSON.parse(found) as { port: number }).port);
      else if (child.exitCode !== null) reject(new Error(`the fixture exited with ${child.exitCode}: ${stderr}`));
      else setTimeout(check, 20);
    };
    check();
  });
  const port = await withTimeout(portLine, TIMEOUT, 'the fixture to print its port');
  return { process: child, port, line, exited, stderr: () => stderr };
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} lets the in-flight request finish with 200, then the process exits with code 0`, async (t) => {
    const child = await startChild();
    t.after(() => {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    });

    const inFlight = request(child.port, '/slow', { timeout: TIMEOUT });
    await withTimeout(child.line('started /slow'), TIMEOUT, 'the handler to start');
    assert.equal(child.process.kill(signal), true);

    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { message: 'done' });

    const exit = await withTimeout(child.exited, TIMEOUT, 'the fixture to exit');
    assert.deepEqual(exit, { code: 0, signal: null }, child.stderr());
    assert.equal(child.stderr(), '');
  });
}

test('SIGTERM with nothing in flight exits with code 0 promptly', async (t) => {
  const child = await startChild();
  t.after(() => {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  });
  const start = Date.now();
  child.process.kill('SIGTERM');
  const exit = await withTimeout(child.exited, TIMEOUT, 'the fixture to exit');
  assert.deepEqual(exit, { code: 0, signal: null }, child.stderr());
  assert.ok(Date.now() - start < 3_000, `exit took ${Date.now() - start} ms`);
});
