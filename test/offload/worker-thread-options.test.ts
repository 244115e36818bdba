import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAX_YOUNG_GENERATION_MB, workerThreadOptions } from '../../src/offload/worker-thread-options.js';
import { onBun } from '../support/runtime.js';

test("offload threads get a small young generation by default; the user's resourceLimits win", () => {
  if (onBun) {
    // Bun's workers ignore resourceLimits: none are passed (the user's are refused earlier, by poolSettings).
    assert.equal(workerThreadOptions(undefined).resourceLimits, undefined);
    return;
  }
  assert.deepEqual(workerThreadOptions(undefined).resourceLimits, { maxYoungGenerationSizeMb: DEFAULT_MAX_YOUNG_GENERATION_MB });
  assert.deepEqual(workerThreadOptions({ maxOldGenerationSizeMb: 64 }).resourceLimits, { maxYoungGenerationSizeMb: DEFAULT_MAX_YOUNG_GENERATION_MB, maxOldGenerationSizeMb: 64 });
  assert.deepEqual(workerThreadOptions({ maxYoungGenerationSizeMb: 16 }).resourceLimits, { maxYoungGenerationSizeMb: 16 });
});

test('run from src/ (no slim build there), threads inherit the Node options as they are', () => {
  assert.equal(workerThreadOptions(undefined).execArgv, undefined);
});
