// The app `npm run bench:scale` serves with `loopwise run` and runs with `loopwise worker`:
// /wait blocks its thread for SCALE_WAIT_MS (50) through the queue, /json is the light route
// beside it, and /hop/* is one trivial handler three ways (inline, worker thread, queue), for the
// cost of each hop. Exported for the CLI; REDIS_URL names the bench's own redis-server.
import { App, bullmq, redis, t } from '../../src/index.js';

const waitMs = Number(process.env.SCALE_WAIT_MS ?? 50);
const queue = bullmq(redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'), { name: 'scale-bench' });
const message = { 200: t.Object({ message: t.String() }) };

export const app = new App({ module: import.meta.url, logger: false });

app.get('/json', { response: message }, () => ({ message: 'hello' }));

// A synchronous wait, as a blocking driver call would: it holds a worker's thread, not its loop.
app.get('/wait', { offload: { queue }, response: message }, () => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, waitMs);
  return { message: 'waited' };
});

app.get('/hop/inline', { response: message }, () => ({ message: 'hello' }));
app.get('/hop/thread', { offload: true, response: message }, () => ({ message: 'hello' }));
app.get('/hop/queue', { offload: { queue }, response: message }, () => ({ message: 'hello' }));
