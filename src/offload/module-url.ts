import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isOwnCode } from '../package-files.js';
import { isBun } from '../runtime-env.js';

/** The program's first module (in a test run, the test file, or the script that imports several in one process). */
export const ENTRY_MODULE = process.argv[1] === undefined ? null : pathToFileURL(resolve(process.argv[1])).href;
const TEST_FILE_NAME = /[._-](test|spec)\.[cm]?[jt]sx?$/;

/**
 * A module a worker thread must never import, since importing it would run its tests again in the
 * thread: one named as a test file (`x.test.ts`, `x-spec.mjs`, `x_test.js`). By name only: an app
 * module a test starts as a process of its own inherits node:test's environment, and is no test.
 */
export function isTestModule(url: string): boolean {
  return TEST_FILE_NAME.test(url);
}

/**
 * The file URL of the module that called into loopwise (the one that ran `new App()`), read from
 * the stack: workers import that module to get the same routes. Null when there is no such file
 * (a REPL, `node -e`): the App then needs `module: import.meta.url`.
 */
export function callerModuleUrl(): string | null {
  const saved = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  let sites: NodeJS.CallSite[] = [];
  try {
    Error.stackTraceLimit = 30;
    Error.prepareStackTrace = (_error, callSites) => callSites;
    let holder: { stack?: unknown } | null = {};
    Error.captureStackTrace(holder, callerModuleUrl);
    sites = holder.stack as NodeJS.CallSite[];
  } finally {
    Error.prepareStackTrace = saved;
    Error.stackTraceLimit = limit;
  }
  for (const site of sites) {
    const url = toFileUrl(site.getFileName());
    if (url === null) continue;
    if (isOwnCode(fileURLToPath(url))) continue; // loopwise's own frames: the caller is the first outside
    return url;
  }
  return null;
}

/** A module reference as a file URL: CallSites give URLs for ES modules and paths for CommonJS. */
export function toFileUrl(name: string | null | undefined): string | null {
  if (name === null || name === undefined || name === '') return null;
  if (name.startsWith('file://')) return name;
  if (isAbsolute(name)) return pathToFileURL(name).href;
  return null; // node:internal frames, eval code
}

/**
 * JavaScriptCore (Bun) formats a captured stack at capture, with the prepareStackTrace set then; a
 * later read gets that string, not the call sites. So on Bun the call sites are asked for at
 * capture (the cost V8 defers to the first read is paid up front there).
 */
const FORMATS_STACK_AT_CAPTURE = isBun();

/**
 * The modules on the stack now, outside loopwise, innermost first; read later. Capturing the
 * frames costs about 16 µs, turning them into file names about five times that (measured under
 * tsx), so that waits for the first read: V8 formats a captured stack when it is first read, with
 * the prepareStackTrace set then. Only overrides of offloaded routes' dependencies read it.
 */
export function captureModuleTrail(below: Function): () => string[] {
  const limit = Error.stackTraceLimit;
  const saved = Error.prepareStackTrace;
  let holder: { stack?: unknown } | null = {};
  try {
    Error.stackTraceLimit = 12;
    if (FORMATS_STACK_AT_CAPTURE) Error.prepareStackTrace = (_error, callSites) => callSites;
    Error.captureStackTrace(holder, below);
  } finally {
    Error.stackTraceLimit = limit;
    if (FORMATS_STACK_AT_CAPTURE) Error.prepareStackTrace = saved;
  }
  let trail: string[] | null = null;
  return () => {
    if (trail !== null) return trail;
    const saved = Error.prepareStackTrace;
    let sites: NodeJS.CallSite[] = [];
    try {
      Error.prepareStackTrace = (_error, callSites) => callSites;
      const stack = holder?.stack;
      sites = Array.isArray(stack) ? (stack as NodeJS.CallSite[]) : [];
    } finally {
      Error.prepareStackTrace = saved;
      holder = null; // the frames keep their functions alive: read once, then let them go
    }
    const urls = sites.map((site) => toFileUrl(site.getFileName())).filter((url): url is string => url !== null && !isOwnCode(fileURLToPath(url)));
    return (trail = [...new Set(urls)]);
  };
}

/** A module's path relative to the working directory, for messages. */
export function moduleDisplayName(module: string): string {
  try {
    return relative(process.cwd(), fileURLToPath(module)) || module;
  } catch {
    return module;
  }
}
