// The app `npm run scale-demo` deploys: two API processes (`loopwise run --workers 2`) and two
// `loopwise worker` processes meeting on one Redis. GET /report/:id blocks its thread for 50 ms,
// as a synchronous database driver would, and runs on whichever worker takes its job; it names
// that worker's pid, so the demo can say who did the work. GET /json is the light route.
import { App, bullmq, redis, t } from '../../src/index.js';

const queue = bullmq(redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'), { name: 'scale-demo' });

export const app = new App({ module: import.meta.url, health: true, logger: false });

app.get('/json', () => ({ message: 'hello', api: process.pid }));

// timeout 2 s: a request whose worker dies mid-job gets its 504 within the demo, not after 30 s.
app.get('/report/:id', { offload: { queue }, timeout: 2000, params: t.Object({ id: t.Integer() }) }, ({ params }) => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  return { id: params.id, worker: process.pid };
});
