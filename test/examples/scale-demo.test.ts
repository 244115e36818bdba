// `npm run scale-demo`, run for real in its short mode: redis-server, `loopwise run --workers 2`,
// two `loopwise worker` processes, load, a worker SIGKILLed mid-load. Its evidence table must show
// both workers working before the kill and only the survivor after, no request unanswered, and
// every process gone when it ends, also when it is stopped with Ctrl-C (SIGINT) mid-run.
// Throughput is not asserted against the bound: on a busy 2-core machine it can be far below it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { redisMissing } from '../support/redis-server.js';
import { skipOnBun } from '../support/runtime.js';

const DEMO = fileURLToPath(new URL('../../examples/scale-demo/demo.ts', import.meta.url));
// The demo is a Node script (npm run scale-demo): under bun test it would run on Node all the same,
// repeating the Node legs' run (~35 s) with nothing of Bun in it.
const NODE = process.execPath;
const skip = redisMissing();
const ON_NODE_ALONE = "the demo and every process it starts are Node's whatever runs this file: the Node legs run it";

function runDemo(): { child: ReturnType<typeof spawn>; output: () => string } {
  const child = spawn(NODE, ['--import', 'tsx', DEMO, '--short'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return { child, output: () => output };
}

/** Whether any process of that process group (each CLI child leads its own) is alive. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

async function waitGone(pids: number[]): Promise<number[]> {
  // Bounded: the demo stops them before it exits; this only absorbs the kernel reaping them.
  for (let i = 0; i < 50 && pids.some(groupAlive); i++) await sleep(100);
  return pids.filter(groupAlive);
}

function pidsOf(output: string): number[] {
  const redis = /redis-server \S+ \(pid (\d+)\)/.exec(output)?.[1];
  const api = /primary pid (\d+)/.exec(output)?.[1];
  const workers = /A pid (\d+), B pid (\d+)/.exec(output);
  return [redis, api, workers?.[1], workers?.[2]].map(Number).filter((pid) => pid > 0);
}

test('the scale demo kills a worker mid-load, the other takes every job, and it cleans up', { skip, timeout: 150_000, ...skipOnBun(ON_NODE_ALONE) }, async () => {
  const demo = runDemo();
  const [code] = (await once(demo.child, 'exit')) as [number | null];
  const out = demo.output();
  assert.equal(code, 0, out);
  const pids = pidsOf(out);
  assert.equal(pids.length, 4, out);

  const row = (label: string): [string, string] => {
    const line = out.split('\n').find((l) => l.startsWith(label));
    assert.ok(line !== undefined, `no "${label}" row:\n${out}`);
    // label, before, after: columns padded apart by 3 spaces or more (a label holds single spaces).
    const cells = line.trim().split(/\s{3,}/);
    assert.equal(cells.length, 3, `"${label}" row: ${line}`);
    return [cells[1]!, cells[2]!];
  };
  const [byABefore, byAAfter] = row('  run by worker A');
  const [byBBefore, byBAfter] = row('  run by worker B');
  assert.ok(Number(byABefore) > 0 && Number(byBBefore) > 0, `both workers ran jobs before the kill:\n${out}`);
  // After the kill only B runs jobs; an answer of A's may still arrive just after it (in flight).
  assert.ok(Number(/^\d+/.exec(byAAfter)?.[0]) <= 4, out);
  assert.ok(Number(byBAfter) > 0, out);
  const [statusBefore, statusAfter] = row('  status');
  assert.match(statusBefore, /^200 ×\d+$/, out);
  // The jobs A held when it died: at most its concurrency (4), each a 504 at the route's timeout.
  const lost = Number(/504 ×(\d+)/.exec(statusAfter)?.[1] ?? 0);
  assert.ok(lost <= 4, out);
  assert.doesNotMatch(statusAfter, /no answer|503|500/, out);
  const [jsonBefore, jsonAfter] = row('GET /json answers');
  assert.match(jsonBefore, /^\d+: 200 ×\d+$/, out);
  assert.match(jsonAfter, /^\d+: 200 ×\d+$/, out);
  const [sent, answered] = (/(\d+) requests sent to \/report, (\d+) answered/.exec(out) ?? []).slice(1).map(Number);
  assert.ok(sent! > 0 && sent === answered, out);
  assert.match(out, /^cleaned up: /m);
  assert.deepEqual(await waitGone(pids), [], `processes left running:\n${out}`);
});

test('Ctrl-C (SIGINT) mid-run stops every process the demo started', { skip, timeout: 90_000, ...skipOnBun(ON_NODE_ALONE) }, async () => {
  const demo = runDemo();
  const exited = once(demo.child, 'exit');
  for (let i = 0; i < 600 && !/warm-up, /.test(demo.output()); i++) await sleep(100);
  assert.match(demo.output(), /warm-up, /, 'the demo never got to its load');
  const pids = pidsOf(demo.output());
  assert.equal(pids.length, 4, demo.output());
  demo.child.kill('SIGINT');
  const [code] = (await exited) as [number | null];
  assert.equal(code, 130, demo.output());
  assert.match(demo.output(), /SIGINT: stopping everything/);
  assert.deepEqual(await waitGone(pids), [], `processes left running:\n${demo.output()}`);
});
