// The seed app's offloaded route as a user ships it (plain JS importing the built package, the
// seed's App options), with the pool fixed at POOL_THREADS threads, all started: what
// bench/pool-memory.ts weighs.
import { isMainThread } from 'node:worker_threads';
import { App } from 'loopwise';

const threads = Number(process.env.POOL_THREADS ?? 4);

export const app = new App({
  title: 'Seed: async vs sync',
  version: '1.0.0',
  metrics: { defaultMetrics: false },
  guard: { maxLoopDelay: 0 },
  logger: false,
  pool: { threads, minThreads: threads, maxQueue: 1000 },
});

/** Stands in for any synchronous call: it holds its thread for `ms`. */
function blockingWait(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

app.get('/async', async () => {
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { message: 'done' };
});

app.get('/sync', { offload: true }, () => {
  blockingWait(200);
  return { message: 'done' };
});

app.get('/json', () => ({ message: 'hello' }));

// Worker threads import this module too (to find the route); there listen() serves nothing.
const { port } = await app.listen({ port: 0 });
if (isMainThread) console.log(`ready ${port}`);
