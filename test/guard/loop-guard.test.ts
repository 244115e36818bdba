// LoopGuard's own answers, in process: whether to shed, when its heartbeat has stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { LoopGuard, guardSettings } from '../../src/guard/loop-guard.js';

test('a guard whose clock stopped itself (a reading failed) still answers whether to shed, and never from a stale reading', async () => {
  const guard = new LoopGuard(guardSettings({ maxLoopDelay: 30, sampleInterval: 20 }), pino({ level: 'silent' }));
  guard.start();
  try {
    // What LoopClock does when a reading throws: it stops itself, and the guard goes on without it.
    guard.clock.stop();
    // Past maxLoopDelay since the clock's last reading, with the loop free all along. On Bun, asking
    // `shedding` took that age for a stall, sampled, and the sample asked `shedding` again: a stack overflow.
    await sleep(80);
    assert.equal(guard.shedding, false);
    assert.equal(guard.shedCheck(), false);
    assert.equal(guard.clock.dueAt, Infinity, 'a stopped clock is due never: no request reads a stall from it');
    await sleep(60); // the monitor's samples run meanwhile: none finds a stall
    assert.equal(guard.shedding, false);
    assert.equal(guard.loop.delayMaxMs < 30, true, `delayMaxMs ${guard.loop.delayMaxMs}`);
  } finally {
    await guard.stop();
  }
});
