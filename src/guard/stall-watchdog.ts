// Development-mode stall watchdog: names the code that blocks the event loop, by file:line, with
// the stack taken *while* it blocks (a loop-delay monitor only learns of a stall afterwards, when
// the culprit has already returned). The main thread writes a heartbeat into shared memory; a
// worker thread (watchdog-worker.mts) sees it go stale and pauses the main thread through the
// inspector to read its stack.
import { findSourceMap, createRequire, type SourceMapping } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { entryPoint, isOwnCode } from '../package-files.js';
import { workersNeedTsx } from '../tsx-hooks.js';
import type { RawFrame, WatchdogData, WatchdogMessage } from './watchdog-worker.mjs';

export interface StallFrame {
  functionName: string;
  /** A path for files (the .ts source when a source map says so), else the URL (node:internal/…). */
  file: string;
  /** 1-based, in the source the user wrote. */
  line: number;
  column: number;
}

export interface CapturedStall {
  /** How long the loop had been blocked when its stack was taken. */
  blockedMs: number;
  /** The whole stack, innermost first; empty if the stall ended before a pause could land. */
  frames: StallFrame[];
  /** The innermost frame outside node's internals and loopwise itself: the code to look at. */
  userFrame: StallFrame | undefined;
  /** The whole stall, measured when the loop ran again (up to one heartbeat period over). */
  totalMs: number;
}

export interface StallWatchdog {
  stop(): Promise<void>;
}

export interface StallWatchdogOptions {
  /** Report blocks longer than this many ms. */
  threshold: number;
  /** Called on the main thread once per stall, after it has ended (the loop must run to call it). */
  onStall: (stall: CapturedStall) => void;
}

const ENTRY = entryPoint('guard/watchdog-worker', 'mts');

export async function startStallWatchdog(options: StallWatchdogOptions): Promise<StallWatchdog> {
  const { threshold, onStall } = options;
  if (!(threshold > 0 && Number.isFinite(threshold))) throw new RangeError(`threshold must be a positive number of ms, not ${String(threshold)}`);
  // A beat every few ms is ~100 cheap timer calls a second; threshold/5 keeps detection close
  // to the threshold when it is small.
  const period = Math.max(1, Math.min(10, threshold / 5));
  const beat = new Float64Array(new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT));
  const tick = (): void => {
    beat[0] = performance.timeOrigin + performance.now();
  };
  tick();
  const timer = setInterval(tick, period);
  timer.unref(); // the watchdog never keeps the process alive

  const worker = startWorker({ beat: beat.buffer as SharedArrayBuffer, threshold, period });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  void exited.then(() => clearInterval(timer));
  let started = false;
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: WatchdogMessage) => {
      if (message.kind === 'ready') resolve();
      else onStall(toStall(message));
    });
    // Before 'ready' a failure rejects the start; after it, a dev tool that fails just stops watching.
    worker.on('error', (error) => (started ? clearInterval(timer) : reject(error)));
    void exited.then(() => reject(new Error("the stall watchdog's thread ended before it started")));
  });
  try {
    await ready;
  } catch (error) {
    clearInterval(timer);
    throw error;
  }
  started = true;
  worker.unref();

  return {
    async stop() {
      clearInterval(timer);
      worker.ref(); // so the process waits for the thread to end
      worker.postMessage('stop');
      await exited;
    },
  };
}

function startWorker(workerData: WatchdogData): Worker {
  if (!workersNeedTsx()) return new Worker(ENTRY, { workerData });
  // Node 20 under tsx: the worker gets tsx's require() hook (but not its import hooks) from
  // --import tsx, so new Worker(entry.mts) fails on the extension, and an eval'd worker gets no
  // hook at all. So the eval'd code registers tsx's require() hook and require()s the entry (the
  // offload threads do the same with tsx's import hooks: src/offload/thread-pool.ts).
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const code = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(fileURLToPath(ENTRY))});`;
  return new Worker(code, { eval: true, workerData });
}

function toStall(message: Extract<WatchdogMessage, { kind: 'stall' }>): CapturedStall {
  const frames = message.frames.map(toFrame);
  const userFrame = frames.find((f) => !f.file.startsWith('node:') && !isOwnCode(f.file) && f.file !== '');
  return { blockedMs: message.blockedMs, totalMs: message.totalMs, frames, userFrame };
}

/**
 * tsx compiles each file to one minified line, so V8's positions mean nothing to the user; tsx
 * turns on source maps, so node:module has the map of every file it loaded.
 */
function toFrame(raw: RawFrame): StallFrame {
  const functionName = raw.functionName || '<anonymous>';
  const isFile = raw.url.startsWith('file:');
  const map = isFile ? (findSourceMap(raw.url) ?? findSourceMap(fileURLToPath(raw.url))) : undefined;
  const entry = map?.findEntry(raw.lineNumber, raw.columnNumber) as SourceMapping | Record<string, never> | undefined;
  if (entry !== undefined && 'originalSource' in entry) {
    const source = entry.originalSource;
    return { functionName, file: source.startsWith('file:') ? fileURLToPath(source) : source, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
  }
  return { functionName, file: isFile ? fileURLToPath(raw.url) : raw.url, line: raw.lineNumber + 1, column: raw.columnNumber + 1 };
}
