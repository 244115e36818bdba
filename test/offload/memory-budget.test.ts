// The pool's default memory budget (src/offload/memory-budget.ts): a quarter of what the process
// may use, at most 512 MiB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { defaultMemoryBudget, memoryLimit } from '../../src/offload/memory-budget.js';
import { poolSettings } from '../../src/offload/pool.js';

const MiB = 1024 * 1024;

test('a 512 MB container gives the pool 128 MiB; a 24 GB machine 512 MiB', () => {
  assert.equal(defaultMemoryBudget(512 * MiB), 128 * MiB);
  assert.equal(defaultMemoryBudget(24 * 1024 * MiB), 512 * MiB);
});

test('the limit is the cgroup limit when there is one, else the machine; never more than the machine', () => {
  const limit = memoryLimit();
  assert.ok(limit > 0 && limit <= totalmem(), `${limit}`);
});

test('pool.memory is checked, and defaults to the budget', () => {
  assert.equal(poolSettings({}).memory, defaultMemoryBudget());
  assert.equal(poolSettings({ memory: 64 * MiB }).memory, 64 * MiB);
  assert.throws(() => poolSettings({ memory: 0 }), /pool\.memory/);
  assert.throws(() => poolSettings({ memory: 1.5 }), /pool\.memory/);
});
