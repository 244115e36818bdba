// JobProducer.get() reads a job while a worker finishes it: what it answers must hang together.
// Real Redis, a real BullMQ worker in this process failing and completing jobs as fast as it can.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'bullmq';
import { JobProducer } from '../../src/queue/job-producer.js';
import { bullmq } from '../../src/queue/bullmq-config.js';
import { redis } from '../../src/redis/redis-config.js';
import { startRedis, redisMissing, type RedisServer } from '../support/redis-server.js';

const JOBS = 300;

describe('JobProducer.get()', { skip: redisMissing(), timeout: 60_000 }, () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server?.dispose();
  });

  it('a job read as failed has its reason, one read as completed its result, even while the worker moves it', async () => {
    const producer = new JobProducer(bullmq(redis(server.url), { name: 'get-race' }));
    const worker = new Worker(
      'get-race',
      async (job) => {
        if (Number(job.data) % 2 === 0) throw new Error(`even ${String(job.data)}`);
        return `odd ${String(job.data)}`;
      },
      { connection: { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null }, concurrency: 8, autorun: false },
    );
    try {
      const ids: string[] = [];
      for (let n = 0; n < JOBS; n += 1) ids.push(await producer.add('race', n, { jobId: `race-${n}`, attempts: 1 }));
      // Readers poll every job until it is finished; the worker starts once they do, and moves the jobs
      // while the reads run.
      const seen = { failed: 0, completed: 0, reads: 0 };
      const deadline = Date.now() + 40_000;
      const reading = Promise.all(
        ids.map(async (id, n) => {
          for (;;) {
            const job = await producer.get(id);
            seen.reads += 1;
            assert.ok(job !== null, `${id} is there`);
            if (job.state === 'failed') {
              assert.equal(job.failedReason, `even ${n}`, `${id} read as failed without its reason`);
              seen.failed += 1;
              return;
            }
            if (job.state === 'completed') {
              assert.equal(job.result, `odd ${n}`, `${id} read as completed without its result`);
              seen.completed += 1;
              return;
            }
            assert.ok(Date.now() < deadline, `${id} still ${job.state}`);
          }
        }),
      );
      void worker.run();
      await reading;
      assert.deepEqual({ failed: seen.failed, completed: seen.completed }, { failed: JOBS / 2, completed: JOBS / 2 });
      assert.ok(seen.reads > JOBS, `the reads raced the worker (${seen.reads} reads)`);
      assert.equal(await producer.get('no-such-job'), null);
    } finally {
      await worker.close();
      await producer.close();
    }
  });
});
