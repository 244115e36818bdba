import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { serialize } from 'node:v8';
import { performance } from 'node:perf_hooks';
import { workerData } from 'node:worker_threads';
import { HTTPException, LoopwiseError } from '../errors.js';
import { ServerTiming } from '../guard/server-timing.js';
import { reviveUploads } from '../forms/offload-uploads.js';
import type { RequestContextClass } from '../pipeline/context.js';
import { setRequestId } from '../pipeline/request-id.js';
import { presetClient } from '../proxy/forwarded.js';
import type { Runner } from '../pipeline/run-handler.js';
import type { DependentRoute } from '../deps/dependency-graph.js';
import type { DependencyOverrides } from '../deps/overrides.js';
import type { DurableCall, RecordedResponse, RouteCall, SerializedError, TaskCall, TaskOutcome, WorkerCall, WorkerSetup } from './messages.js';
import { durableRegistry } from '../queue/durable-registry.js';
import { offloadRegistry } from './registry.js';
import { ResponseRecorder } from './response-recorder.js';
import { applyOverrides } from './override-apply.js';
import { recordCall } from './call-usage.js';
import { threadClock } from '../thread-clock.js';
import { takeServerError } from '../pipeline/server-errors.js';
import { toSerializedError } from './serialized-error.js';
// The thread's entry (worker-entry.mts) reaches everything through this module, whichever build it loaded.
export { toSerializedError };

/** What a worker needs from the App it serves; App.forWorker() provides it. */
export interface WorkerApp {
  forWorker(): Promise<WorkerRoutes>;
}

/** The App's offloaded routes, compiled to run inline, and its context class (with its `log`). */
export interface WorkerRoutes {
  runners: Map<string, Runner>;
  contextClass: RequestContextClass | null;
  /** The worker's copy of the App's overrides, which the main thread's are copied into (src/offload/override-apply.ts). */
  overrides: DependencyOverrides | null;
  /** The offloaded routes as registered, where the main thread's overrides find their originals. */
  offloaded: readonly DependentRoute[];
}

/** How much lower than the main thread's an offload thread's priority is (nice steps, of 40). */
const WORKER_NICENESS = 10;

const setup = workerData as WorkerSetup;
offloadRegistry().inWorker = true;
/** What each call did with its time goes to the pool, which sizes itself by it (src/offload/pool-sizer.ts). */
const usage = new BigInt64Array(setup.usage);
const clock = threadClock();
/** The version of the main thread's overrides this thread has applied (0: none ever set). */
let overridesVersion = 0;

// Loaded when the thread starts; a failure is answered on each call (see worker-entry.mts).
const runners = loadRunners();
/** Settles once the app module is imported, whether or not that worked. */
export const loaded: Promise<void> = runners.then(
  () => yieldToTheEventLoop(),
  () => undefined,
);

/**
 * Runs this thread at a lower priority than the main thread (Linux: a thread is a task with a
 * nice value of its own), once it has loaded the app module (a start at low priority on a busy
 * core would take many times longer). When many offloaded calls wake at once on few cores, the
 * event loop still gets a core first: cheap requests beside them keep their latency.
 */
function yieldToTheEventLoop(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + WORKER_NICENESS));
  } catch {
    // Not Linux, or not allowed: the threads keep the main thread's priority.
  }
}

/** Imports the app module, as the main thread did, and compiles the routes it offloads. */
async function loadRunners(): Promise<WorkerRoutes> {
  if (setup.module === null) return { runners: new Map(), contextClass: null, overrides: null, offloaded: [] };
  await import(setup.module);
  const apps = offloadRegistry().apps.get(setup.module) ?? [];
  // The same module creates the same Apps in the same order; if it created fewer here (an App
  // made conditionally), the last one is the best guess.
  const app = (apps[setup.ordinal] ?? apps.at(-1)) as WorkerApp | undefined;
  if (app === undefined) {
    throw new LoopwiseError(
      'LW_ERR_OFFLOAD_MODULE',
      `the worker imported ${setup.module} but it created no App. Pass module: import.meta.url to the App in the module that defines its routes.`,
    );
  }
  return app.forWorker();
}

/** Every call the main thread sends to this worker (src/offload/worker-entry.mts). */
export async function handleCall(call: WorkerCall): Promise<RecordedResponse | Uint8Array | null> {
  const routes = await runners;
  if (call.kind === 'ping') return null;
  const startedAt = performance.now();
  const before = clock?.read() ?? null;
  try {
    if (call.kind === 'route' && call.overrides !== undefined && call.overrides.version !== overridesVersion) {
      await applyOverrides(routes.overrides!, routes.offloaded, call.overrides);
      overridesVersion = call.overrides.version;
    }
    return await (call.kind === 'route' ? runRoute(routes, call) : call.kind === 'durable' ? runDurable(call) : runTask(call));
  } finally {
    const after = clock?.read() ?? null;
    const times = before === null || after === null ? null : { cpu: after.cpu - before.cpu, runQueue: after.runQueue - before.runQueue };
    recordCall(usage, (performance.now() - startedAt) * 1e6, times);
  }
}

function runRoute(routes: WorkerRoutes, call: RouteCall): Promise<RecordedResponse> {
  const run = routes.runners.get(call.route);
  if (run === undefined) {
    throw new LoopwiseError(
      'LW_ERR_OFFLOAD_MODULE',
      `the worker's copy of ${setup.module} has no offloaded route ${call.route}. Register routes the same way on every import (not depending on the main thread).`,
    );
  }
  // The main thread refused it if it waited too long for the pool; the wait for this thread's start does not count.
  const waited = performance.timeOrigin + performance.now() - call.queuedAt;
  // Only what crossed: the request line and headers. The socket and body stream stay on the main thread.
  const request = { method: call.method, url: call.url, headers: call.headers, httpVersion: call.httpVersion };
  // The id the main thread gave the request, so the handler's `log` lines carry the same reqId.
  if (call.reqId !== undefined) setRequestId(request, call.reqId);
  presetClient(request, call.client);
  const context = new routes.contextClass!(request as never, call.params, call.rawQuery);
  if (call.timed) context.timing = new ServerTiming();
  if (call.declaredHeaders !== undefined) context.headers = call.declaredHeaders;
  context.validHeaders = call.validHeaders;
  context.parsedQuery = call.query;
  context.parsedCookies = call.cookies;
  context.body = reviveUploads(call.body); // uploads crossed as descriptions (src/forms/offload-uploads.ts)
  const recorder = new ResponseRecorder();
  if (call.issues === undefined) run(context, recorder);
  else if (run.withIssues !== undefined) run.withIssues(context, recorder, call.issues);
  else throw new LoopwiseError('LW_ERR_OFFLOAD_MODULE', `the worker's copy of ${call.route} has no dependencies, but the main thread's has: register routes the same way on every import.`);
  const timing = context.timing;
  return recorder.done.then((recorded) => {
    const error = takeServerError(request);
    if (error !== undefined) recorded = { ...recorded, error: toSerializedError(error) };
    if (timing === undefined) return recorded;
    return { ...recorded, timing: { queue: waited, dependencies: timing.dependencies, handler: timing.handler, serialize: timing.serialize } };
  });
}

/**
 * Runs a task() function. The outcome goes back as bytes serialized here, so a value that cannot
 * cross threads fails here with a clear error instead of inside the pool's messaging.
 */
async function runTask(call: TaskCall): Promise<Uint8Array> {
  let outcome: TaskOutcome;
  try {
    const fn = await findTask(call);
    outcome = { ok: true, value: await fn(...call.args) };
  } catch (error) {
    return serialize({ ok: false, error: toSerializedError(error) } satisfies TaskOutcome);
  }
  try {
    return serialize(outcome);
  } catch (error) {
    const failure = new LoopwiseError(
      'LW_ERR_OFFLOAD_RESULT',
      `task ${call.name || `#${call.index}`} (${call.module}) returned a value that cannot be copied to the main thread (${(error as Error).message}). ` +
        'Return plain data: objects, arrays, strings, numbers, Dates, Maps, Sets, typed arrays.',
    );
    return serialize({ ok: false, error: toSerializedError(failure) } satisfies TaskOutcome);
  }
}

/** Runs a durable task found by its name (registered when this thread imported the app module); the outcome goes back as for a task(). */
async function runDurable(call: DurableCall): Promise<Uint8Array> {
  try {
    const entry = durableRegistry().tasks.get(call.name);
    if (entry === undefined) {
      throw new LoopwiseError('LW_ERR_OFFLOAD_MODULE', `the worker thread's copy of ${setup.module} declares no durable task named '${call.name}'. Declare durableTask() at module level, in a module the app module imports.`);
    }
    return serialize({ ok: true, value: await entry.fn(...(call.args as never[])) } satisfies TaskOutcome);
  } catch (error) {
    return serialize({ ok: false, error: toSerializedError(error) } satisfies TaskOutcome);
  }
}

async function findTask(call: TaskCall): Promise<Function> {
  await import(call.module);
  const fn = offloadRegistry().tasks.get(call.module)?.[call.index];
  if (fn === undefined || fn.name !== call.name) {
    throw new LoopwiseError(
      'LW_ERR_OFFLOAD_MODULE',
      `the worker's copy of ${call.module} does not define task ${call.name || `#${call.index}`} at the same place. ` +
        'Create tasks at module level, unconditionally, so every thread creates the same ones in the same order.',
    );
  }
  return fn;
}


