// The pool's default memory budget (src/offload/memory-budget.ts): a quarter of what the process
// may use, at most 512 MiB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { defaultMemoryBudget, memoryLimit } from '../../src/offload/memory-budget.js';
import { LoopwiseError } from '../../src/errors.js';
import { poolSettings } from '../../src/offload/pool.js';
import { onBun } from '../support/runtime.js';

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

test('pool.resourceLimits: kept on Node; refused at startup on Bun, whose worker threads ignore them', () => {
  const limits = { maxOldGenerationSizeMb: 64 };
  if (!onBun) {
    assert.deepEqual(poolSettings({ resourceLimits: limits }).resourceLimits, limits);
    return;
  }
  assert.throws(() => poolSettings({ resourceLimits: limits }), (error: unknown) => {
    assert.ok(error instanceof LoopwiseError);
    assert.equal(error.code, 'LW_ERR_INVALID_OPTION');
    assert.match(error.message, /^LW_ERR_INVALID_OPTION: pool\.resourceLimits cannot be enforced on Bun: .*ignore them.*Remove pool\.resourceLimits when running on Bun/);
    return true;
  });
  // Without them the pool starts as anywhere else (the default young-generation limit is silently not applied).
  assert.equal(poolSettings({}).resourceLimits, undefined);
});
