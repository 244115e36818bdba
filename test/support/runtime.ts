// Which runtime runs the tests, and the one way a test that cannot apply to Bun is skipped there:
//   test('name', skipOnBun('what Bun lacks'), async () => …)
// Skip single tests, never a describe: bun test 1.4.5 drops a skipped describe's tests silently
// (not run, not counted, not listed), while a skipped test is counted.
import { appendFileSync } from 'node:fs';

export const onBun = process.versions.bun !== undefined;

export function skipOnBun(reason: string): { skip: string } | {} {
  if (!onBun) return {};
  const skip = `not on Bun: ${reason}`;
  recordSkip(skip);
  return { skip };
}

/**
 * bun test counts a skipped test but never prints its reason. scripts/test-bun.mjs sets this
 * variable to a file; each skip appends where it was declared (file and line, read from the
 * caller's stack frame) and why, and the runner joins that to bun's list of skipped tests.
 */
export const SKIP_LOG_VARIABLE = 'LOOPWISE_TEST_SKIP_LOG';

function recordSkip(reason: string): void {
  const path = process.env[SKIP_LOG_VARIABLE];
  if (path === undefined || path === '') return;
  const caller = callerFrame();
  appendFileSync(path, `${JSON.stringify({ ...caller, reason })}\n`);
}

// The first stack frame outside this file: `at name (/abs/file.ts:12:34)` or `at /abs/file.ts:12:34`
// (JSC and V8 both write these shapes).
function callerFrame(): { file: string; line: number } | { file: null; line: 0 } {
  const here = new URL(import.meta.url).pathname;
  for (const frame of (new Error().stack ?? '').split('\n').slice(1)) {
    const match = /\(?((?:file:\/\/)?\/[^():]+):(\d+):\d+\)?\s*$/.exec(frame);
    if (match === null) continue;
    const file = match[1]!.replace(/^file:\/\//, '');
    if (file === here) continue;
    return { file, line: Number(match[2]) };
  }
  return { file: null, line: 0 };
}

/**
 * The options a child process needs to run a TypeScript file: tsx's loader on Node; nothing on Bun,
 * which runs TypeScript itself, and where tsx's require hook (Bun 1.4.5) fails on a CommonJS file
 * that starts with `#!` (autocannon: "Invalid character: '#'").
 */
export const tsImport: string[] = onBun ? [] : ['--import', 'tsx'];
