// The seed lesson, in loopwise: an async wait lets the server serve others meanwhile; a
// blocking wait on the event loop freezes every request behind it, unless the route is offloaded
// to a worker thread. In your own app, import from 'loopwise' instead of the relative path.
import { setTimeout as sleep } from 'node:timers/promises';
import { App } from '../../src/index.js';

/** 2 s as in the lesson; tests shorten it. */
const delayMs = Number(process.env.SEED_DELAY_MS ?? 2000);

// metrics: the demo reads the loop guard's figures (loop delay, time blocked per route) from /metrics.
// maxLoopDelay 0: no load shedding here, so the lesson shows the stall itself; a real server would
// keep the default and answer what piles up behind a stall with a quick 503 (docs/loop-guard.md).
export const app = new App({
  title: 'Seed: async vs sync',
  version: '1.0.0',
  metrics: { defaultMetrics: false },
  guard: { maxLoopDelay: 0 },
});

/** Stands in for any synchronous call (a sync driver, hashing, `time.sleep`): it holds the thread. */
function blockingWait(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

app.get('/async', async () => {
  await sleep(delayMs); // non-blocking: the loop serves others meanwhile
  return { message: 'done' };
});

// Blocking code, done right: the wait holds a worker thread, never the event loop.
app.get('/sync', { offload: true }, () => {
  blockingWait(delayMs);
  return { message: 'done' };
});

// The anti-pattern, kept on purpose as evidence: the whole server stalls for delayMs.
app.get('/blocking', () => {
  blockingWait(delayMs);
  return { message: 'done' };
});

/** A cheap route the demo and tests call to measure how responsive the server is meanwhile. */
app.get('/json', () => ({ message: 'hello' }));
