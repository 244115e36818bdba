// The other threads' run queues, read from kept-open schedstat files: a worker thread's is read
// while it runs and dropped once it ends; close() leaves no descriptor open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { SiblingRunQueues } from '../../src/guard/sibling-run-queues.js';

const linux = process.platform === 'linux' ? false : 'the run queues are read from Linux /proc/self/task';
const openDescriptors = () => readdirSync('/proc/self/fd').length;
const threadIds = () => new Set(readdirSync('/proc/self/task').map(Number).filter((tid) => tid !== process.pid));

test('reads every other thread, a worker started later included, and drops a thread once it ends', { skip: linux }, async () => {
  const queues = new SiblingRunQueues();
  const before = openDescriptors();
  try {
    const first = queues.read();
    assert.ok(first !== null);
    assert.equal(first.has(process.pid), false, 'the calling thread is not its own sibling');
    for (const value of first.values()) assert.ok(Number.isInteger(value) && value >= 0);

    // A thread that spins is a new sibling: seen at the next listing (at most a second later), its total a number.
    const worker = new Worker('const end = Date.now() + 1500; while (Date.now() < end);', { eval: true });
    await once(worker, 'online');
    const added = [...threadIds()].filter((tid) => !first.has(tid));
    assert.ok(added.length > 0, 'the worker added no thread');
    await sleep(1_050);
    const during = queues.read()!;
    for (const tid of added) if (threadIds().has(tid)) assert.ok(during.has(tid), `thread ${tid} not read`);

    await once(worker, 'exit');
    await sleep(1_050);
    const after = queues.read()!;
    const alive = threadIds();
    for (const tid of after.keys()) assert.ok(alive.has(tid), `thread ${tid} ended but is still read`);
  } finally {
    queues.close();
  }
  assert.ok(openDescriptors() <= before, `descriptors left open: ${openDescriptors()} > ${before}`);
});

test('a second read within the second reuses the open files: no new descriptors', { skip: linux }, () => {
  const queues = new SiblingRunQueues();
  try {
    queues.read();
    const open = openDescriptors();
    for (let i = 0; i < 50; i++) queues.read();
    assert.equal(openDescriptors(), open);
  } finally {
    queues.close();
  }
});
