// The stall watchdog's thread (see stall-watchdog.ts). It watches the main thread's heartbeat and,
// when the heartbeat is older than the threshold, pauses the main thread through the inspector to
// read its stack while it is still blocked. It stays plain (no top-level await, no imports of
// loopwise): on Node 20 under tsx it is loaded with require(), like the offload worker entry.
import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';

export interface WatchdogData {
  /** One float: the epoch time (ms) of the main thread's last heartbeat. */
  beat: SharedArrayBuffer;
  threshold: number;
  /** How often the main thread beats, and how often this thread looks. */
  period: number;
}

/** A frame as V8 reports it: the generated script's URL and 0-based position. */
export interface RawFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export type WatchdogMessage =
  | { kind: 'ready' }
  /** Sent once per stall, when it has ended: frames is empty if no pause landed while it lasted. */
  | { kind: 'stall'; blockedMs: number; totalMs: number; frames: RawFrame[] };

interface PausedFrame {
  functionName: string;
  url: string;
  location: { scriptId: string; lineNumber: number; columnNumber?: number };
}

const { beat: buffer, threshold, period } = workerData as WatchdogData;
const beat = new Float64Array(buffer);
const port = parentPort!;
// timeOrigin + now() is an epoch clock with sub-ms precision that both threads share.
const now = (): number => performance.timeOrigin + performance.now();

const session = new Session();
session.connectToMainThread();
const post = (method: string, params?: object): Promise<unknown> =>
  new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
const ignore = (): void => {};

/** The heartbeat value the current stall started from; null while the loop is healthy. */
let stalledAt: number | null = null;
let blockedMs = 0;
let frames: RawFrame[] = [];
// V8 no longer fills a call frame's url: scripts are named once, by the scriptParsed events that
// Debugger.enable sends for every script already loaded.
const scripts = new Map<string, string>();
session.on('Debugger.scriptParsed', ({ params }) => scripts.set(params.scriptId, params.url));

session.on('Debugger.paused', ({ params }) => {
  // Keep the stack only if the same stall is still going on: a pause requested just as a stall
  // ended lands on whatever JavaScript runs next, which is not the culprit.
  if (stalledAt !== null && beat[0] === stalledAt && frames.length === 0) {
    blockedMs = now() - stalledAt;
    frames = (params.callFrames as PausedFrame[]).map((f) => ({
      functionName: f.functionName,
      url: f.url || (scripts.get(f.location.scriptId) ?? ''),
      lineNumber: f.location.lineNumber,
      columnNumber: f.location.columnNumber ?? 0,
    }));
  }
  // Disable again at once: while the Debugger domain is enabled V8 runs async functions and
  // exceptions several times slower (measured: awaits ×7), so it is on only for a capture.
  post('Debugger.resume').then(disable, ignore).catch(ignore);
});

function disable(): Promise<unknown> {
  scripts.clear();
  return post('Debugger.disable');
}

async function capture(): Promise<void> {
  try {
    // The main thread answers these while blocked: the inspector interrupts running JS, and
    // V8 also wakes a thread in Atomics.wait to run interrupts.
    await post('Debugger.enable');
    // Otherwise a `debugger;` statement in the app would pause it while we are enabled.
    await post('Debugger.setBreakpointsActive', { active: false });
    await post('Debugger.pause');
  } catch {
    // The inspector is gone or busy: the stall is still reported, without frames.
  }
}

const timer = setInterval(() => {
  const last = beat[0]!;
  if (stalledAt !== null) {
    if (last === stalledAt) return; // the same stall goes on: one capture per stall
    // The first beat after the stall tells when it ended, on the main thread's own clock.
    const message: WatchdogMessage = { kind: 'stall', blockedMs, totalMs: last - stalledAt, frames };
    port.postMessage(message);
    if (frames.length === 0) disable().catch(ignore); // cancels a pause not yet landed
    stalledAt = null;
    frames = [];
    return;
  }
  const age = now() - last;
  // + period: the last beat may predate the block by up to one period, so this reports only
  // blocks that really lasted longer than the threshold.
  if (age > threshold + period) {
    stalledAt = last;
    blockedMs = age;
    void capture();
  }
}, period);

port.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  session.disconnect();
  port.close(); // nothing left: the thread ends
});
// No warm-up enable at start: it would save the first capture ~35 ms, but the first
// Debugger.enable leaves async functions ~12% slower for the rest of the process (measured; V8
// seems to give up an await fast path for good), so that cost waits for the first real stall.
port.postMessage({ kind: 'ready' } satisfies WatchdogMessage);
