// examples/seed/app.ts as a user ships it: plain JS importing the built package (`npm run build`
// first), the seed's App options, the offload pool at its defaults (what bench/seed.ts judges),
// plus /hash, an offloaded route that works the CPU instead of waiting. PORT and SEED_DELAY_MS
// come from the environment.
import { createHash } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { App } from 'loopwise';

const delayMs = Number(process.env.SEED_DELAY_MS ?? 200);
const hashMs = Number(process.env.SEED_HASH_MS ?? 50);
const chunk = Buffer.alloc(1024, 7);

/** Hashes `rounds` KiB with sha256: CPU work that takes the same time however busy the core is. */
function hashWork(rounds) {
  const hash = createHash('sha256');
  for (let i = 0; i < rounds; i++) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * The rounds that take `hashMs` of CPU, counted once, on the main thread while the server is
 * still idle. A deadline ("hash until 50 ms have passed") would not do: with more threads than
 * cores, wall time is not CPU time. Workers get the count through the environment, which each
 * worker copies from the main thread when it starts.
 */
function calibrateHashRounds() {
  const probe = 2000;
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    hashWork(probe);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return Math.max(1, Math.round((probe * hashMs) / best));
}

if (isMainThread && process.env.SEED_HASH_ROUNDS === undefined) process.env.SEED_HASH_ROUNDS = String(calibrateHashRounds());
const hashRounds = Number(process.env.SEED_HASH_ROUNDS);

export const app = new App({
  title: 'Seed: async vs sync',
  version: '1.0.0',
  metrics: { defaultMetrics: false },
  guard: { maxLoopDelay: 0 },
  logger: false,
});

/** Stands in for any synchronous call (a sync driver, `time.sleep`): it holds the thread. */
function blockingWait(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

app.get('/async', async () => {
  await sleep(delayMs);
  return { message: 'done' };
});

app.get('/sync', { offload: true }, () => {
  blockingWait(delayMs);
  return { message: 'done' };
});

app.get('/blocking', () => {
  blockingWait(delayMs);
  return { message: 'done' };
});

app.get('/hash', { offload: true }, () => ({ digest: hashWork(hashRounds) }));

app.get('/json', () => ({ message: 'hello' }));

// Worker threads import this module too (to find the routes); there listen() serves nothing.
const { port } = await app.listen({ port: Number(process.env.PORT ?? 0) });
if (isMainThread) console.log(`ready ${port} hash-rounds ${hashRounds}`);
