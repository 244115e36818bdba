// Whether this process loads TypeScript through tsx, and so whether the worker threads it starts
// must register tsx themselves. A leaf: the CLI sets it, the offload pool and the guard read it.

// On globalThis under a registered symbol, so two copies of loopwise in one process agree.
const KEY = Symbol.for('loopwise.tsx-hooks-in-code');

/** `node --import tsx …` (or through NODE_OPTIONS): tsx loads this process's TypeScript. */
export function tsxFromCommandLine(): boolean {
  return /\btsx\b/.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`);
}

/** The CLI registered tsx's hooks in code (not from the command line). */
export function noteTsxRegisteredInCode(): void {
  (globalThis as Record<symbol, unknown>)[KEY] = true;
}

/**
 * Node < 22 does not run the main thread's `--import tsx` in workers, and no Node passes on hooks
 * registered in code, so in either case a worker thread must register tsx itself.
 */
export function workersNeedTsx(): boolean {
  if ((globalThis as Record<symbol, unknown>)[KEY] === true) return true;
  return Number(process.versions.node.split('.')[0]) < 22 && tsxFromCommandLine();
}
