// A full garbage collection on demand, so a test can compare heaps that hold only live objects:
// Node's gc() exposed at runtime (the test runner's command line has no --expose-gc), Bun's Bun.gc.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null = null;

export function collectGarbage(): void {
  collect ??= findCollector();
  collect();
}

function findCollector(): () => void {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun !== undefined) return () => bun.gc(true);
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}
