import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startStallWatchdog, type CapturedStall, type StallWatchdog } from '../../src/guard/stall-watchdog.js';
import { onBun } from '../support/runtime.js';
import { withTimeout } from '../support/with-timeout.js';
import { sleepFor, spinFor } from './fixtures/blockers.js';

const BLOCKERS = fileURLToPath(new URL('./fixtures/blockers.ts', import.meta.url));
/** Long enough for a capture on a loaded machine (it lands ~10–20 ms after detection when idle). */
const BLOCK = 300;
const UNSTOPPED = fileURLToPath(new URL('./fixtures/unstopped.ts', import.meta.url));

/** The 1-based line of the fixture that carries `marker`, so the test follows edits to it. */
function lineOf(marker: string): number {
  const index = readFileSync(BLOCKERS, 'utf8').split('\n').findIndex((line) => line.includes(marker));
  assert.ok(index >= 0, `marker ${marker} not found`);
  return index + 1;
}

/** Runs `body` with a watchdog, collecting its stalls; always stops it. */
async function watching(threshold: number, body: (stalls: CapturedStall[], watchdog: StallWatchdog) => Promise<void>): Promise<void> {
  const stalls: CapturedStall[] = [];
  const watchdog = await withTimeout(startStallWatchdog({ threshold, onStall: (s) => stalls.push(s) }), 10_000, 'the watchdog to start');
  try {
    await body(stalls, watchdog);
  } finally {
    await withTimeout(watchdog.stop(), 10_000, 'the watchdog to stop');
  }
}

/** Bounded wait for the first report (onStall runs only after the loop is free again). */
async function firstStall(stalls: CapturedStall[]): Promise<void> {
  for (let waited = 0; stalls.length === 0 && waited < 5000; waited += 20) await sleep(20);
  await sleep(200); // room for a second report, which must not come
}

/**
 * Exactly one report names the blocking function. Other reports are tolerated (a loaded CI machine
 * can really hold the loop up elsewhere), but a second report of the same stall is not.
 */
function assertCaught(stalls: CapturedStall[], functionName: string, marker: string): void {
  if (onBun) {
    assertTimedWithoutStack(stalls, 1);
    return;
  }
  const named = stalls.filter((s) => s.frames.some((f) => f.functionName === functionName));
  assert.equal(named.length, 1, `one report per stall, got ${JSON.stringify(stalls, null, 1)}`);
  const [stall] = named;
  const expected = { functionName, file: BLOCKERS, line: lineOf(marker) };
  const frame = stall!.userFrame;
  assert.ok(frame, `a user frame in ${JSON.stringify(stall!.frames)}`);
  assert.deepEqual({ functionName: frame.functionName, file: frame.file, line: frame.line }, expected);
  assert.equal(stall!.frames[0], frame, 'the blocking function is the innermost frame');
  assert.ok(stall!.blockedMs >= 50 && stall!.blockedMs < BLOCK, `blockedMs ${stall!.blockedMs}`);
  assert.ok(stall!.totalMs >= BLOCK - 50 && stall!.totalMs < 5000, `totalMs ${stall!.totalMs}`);
}

/**
 * Bun's inspector has no Debugger domain (no pause, no stack): the watchdog still sees each stall
 * and times it, with no frames. (The loop guard does not start it on Bun; this checks that it fails soft.)
 */
function assertTimedWithoutStack(stalls: CapturedStall[], count: number): void {
  const blocks = stalls.filter((s) => s.totalMs >= BLOCK - 50);
  assert.equal(blocks.length, count, `one report per stall, got ${JSON.stringify(stalls, null, 1)}`);
  for (const stall of blocks) {
    assert.deepEqual([stall.frames, stall.userFrame], [[], undefined]);
    assert.ok(stall.blockedMs >= 50 && stall.blockedMs < BLOCK, `blockedMs ${stall.blockedMs}`);
    assert.ok(stall.totalMs < 5000, `totalMs ${stall.totalMs}`);
  }
}

test('a busy loop is caught while it blocks, at its .ts line', async () => {
  await watching(50, async (stalls) => {
    await sleep(50);
    spinFor(BLOCK);
    await firstStall(stalls);
    assertCaught(stalls, 'spinFor', 'BLOCKS: busy loop');
  });
});

// V8 wakes a thread in Atomics.wait to run interrupts, so the inspector can pause it there too.
test('a thread asleep in Atomics.wait is caught too, at the wait', async () => {
  await watching(50, async (stalls) => {
    await sleep(50);
    sleepFor(BLOCK);
    await firstStall(stalls);
    assertCaught(stalls, 'sleepFor', 'BLOCKS: Atomics.wait');
  });
});

test('two stalls in a row are two reports', async () => {
  await watching(50, async (stalls) => {
    await sleep(50);
    spinFor(BLOCK);
    await sleep(100);
    sleepFor(BLOCK);
    const named = (): (string | undefined)[] => stalls.map((s) => s.userFrame?.functionName).filter((name) => name === 'spinFor' || name === 'sleepFor');
    const caught = (): number => (onBun ? stalls.filter((s) => s.totalMs >= BLOCK - 50).length : named().length);
    for (let waited = 0; caught() < 2 && waited < 5000; waited += 20) await sleep(20);
    await sleep(100);
    if (onBun) assertTimedWithoutStack(stalls, 2);
    else assert.deepEqual(named(), ['spinFor', 'sleepFor'], JSON.stringify(stalls, null, 1));
  });
});

test('healthy async work reports nothing', async () => {
  // A generous threshold: this asserts the absence of false alarms, not the scheduler's precision.
  await watching(100, async (stalls) => {
    const end = performance.now() + 500;
    let turns = 0;
    while (performance.now() < end) {
      await nextTurn();
      JSON.parse(JSON.stringify({ turns: turns++ }));
    }
    await sleep(100);
    assert.deepEqual(stalls, []);
    assert.ok(turns > 100, `the loop ran (${turns} turns)`);
  });
});

test('after stop() nothing is watched', async () => {
  const stalls: CapturedStall[] = [];
  const watchdog = await startStallWatchdog({ threshold: 50, onStall: (s) => stalls.push(s) });
  await withTimeout(watchdog.stop(), 10_000, 'stop() to end the thread'); // resolves on the thread's exit
  spinFor(200);
  await sleep(200);
  assert.deepEqual(stalls, []);
});

test('the watchdog does not keep the process alive', async () => {
  const child = spawn(process.execPath, [...process.execArgv, UNSTOPPED], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await withTimeout(new Promise((resolve) => child.once('exit', resolve)), 15_000, 'the process to exit by itself').finally(() => child.kill());
  assert.equal(code, 0, out);
  assert.equal(out.trim(), 'started');
});

test('a bad threshold is refused', async () => {
  await assert.rejects(startStallWatchdog({ threshold: 0, onStall: () => {} }), RangeError);
});
