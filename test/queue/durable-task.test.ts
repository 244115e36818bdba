// durableTask()'s checks, before anything reaches Redis (the end-to-end runs are in durable-jobs.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { App, BackgroundTasks, LoopwiseError, durableTask } from '../../src/index.js';

describe('durableTask()', () => {
  it('refuses a bad name, a second task under one name, and bad options, naming what to do', () => {
    assert.throws(() => durableTask('has space', () => 1), /durableTask\(\) name must be 1-200 letters/);
    assert.throws(() => durableTask('loopwise:route', () => 1), /not starting with 'loopwise:'/);
    durableTask('unit-twice', () => 1);
    durableTask('unit-twice', () => 1); // the same source again (a module loaded twice on a thread): fine
    assert.throws(() => durableTask('unit-twice', () => 2), (error: unknown) => error instanceof LoopwiseError && /two durable tasks are named 'unit-twice'/.test(error.message));
    assert.throws(() => durableTask('unit-attempts', () => 1, { attempts: 0 }), /attempts/);
    assert.throws(() => durableTask('unit-timeout', () => 1, { timeout: -5 }), /timeout/);
  });

  it('checks a job id by BullMQ rules before Redis sees it', () => {
    const task = durableTask('unit-ids', (n: number) => n);
    assert.throws(() => task.with({ jobId: 'a:b' }), /jobId must be a non-empty string without ':' and not a bare integer/);
    assert.throws(() => task.with({ jobId: '42' }), /not a bare integer/);
    assert.throws(() => task.with({ delay: -1 }), /delay must be a number of ms ≥ 0/);
    assert.equal(task.with({ jobId: 'order-42' }).name, 'unit-ids');
  });

  it('enqueue without a queue says which option to add; background.enqueue refuses a plain function', async () => {
    const task = durableTask('unit-no-queue', () => 1);
    await assert.rejects(task.enqueue(), /durable task 'unit-no-queue' has no queue: give the App jobs: bullmq\(redis\(url\)\)/);
    const background = new BackgroundTasks();
    await assert.rejects(background.enqueue((() => 1) as never), /needs a durableTask\(name, fn\): a plain function cannot be found by name on another machine/);
  });

  it('the App option jobs takes a queue', () => {
    assert.throws(() => new App({ jobs: 'redis://x' as never }), /App option jobs takes a queue: jobs: bullmq\(redis\(/);
  });
});
