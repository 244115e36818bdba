// The clock each offload thread reads (src/thread-clock.ts) tells computing from waiting:
// measured on this thread, for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { threadClock } from '../../src/thread-clock.js';

const clock = threadClock();
const skip = clock === null ? 'no per-thread CPU clock on this platform (the pool then keeps a fixed size)' : false;

test('on Linux the clock reads /proc/thread-self/schedstat and sees the run queue', { skip: process.platform !== 'linux' }, () => {
  assert.ok(clock !== null && clock.seesRunQueue);
});

test('computing advances the CPU time; a blocking wait does not', { skip }, () => {
  const before = clock!.read();
  // Until 30 ms of CPU time have passed, bounded by 5 s of wall time on a starved machine.
  const deadline = Date.now() + 5000;
  let x = 0;
  while (clock!.read().cpu - before.cpu < 30e6 && Date.now() < deadline) for (let i = 0; i < 1e5; i++) x = (x + i) % 7;
  const computed = clock!.read();
  assert.ok(computed.cpu - before.cpu >= 30e6, `CPU time after computing: ${(computed.cpu - before.cpu) / 1e6} ms (${x})`);

  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  const waited = clock!.read();
  assert.ok(waited.cpu - computed.cpu < 20e6, `CPU time while blocked 100 ms: ${(waited.cpu - computed.cpu) / 1e6} ms`);
});

test('a read that fails later (its file closed under it) repeats the last reading and never throws', { skip: process.platform !== 'linux' }, () => {
  const own = threadClock()!;
  const before = own.read();
  own.close(); // as a handler that closes file descriptors it does not own would
  const after = own.read();
  assert.ok(before.slices !== undefined && before.slices > 0, `a good reading counts the times the thread was put on a core: ${JSON.stringify(before)}`);
  // The repeat has the times, but no slice count: a stale reading must never look like a thread
  // that stayed on its core (the loop guard would take the wall time since for the host's).
  assert.deepEqual(after, { cpu: before.cpu, runQueue: before.runQueue });
  assert.doesNotThrow(() => own.close());
});
