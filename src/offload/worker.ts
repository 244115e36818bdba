import { serialize } from 'node:v8';
import { performance } from 'node:perf_hooks';
import { workerData } from 'node:worker_threads';
import { HTTPException, LoopwiseError } from '../errors.js';
import { ServerTiming } from '../guard/server-timing.js';
import { reviveUploads } from '../forms/offload-uploads.js';
import type { RequestContextClass } from '../pipeline/context.js';
import { setRequestId } from '../pipeline/request-id.js';
import type { Runner } from '../pipeline/run-handler.js';
import type { RecordedResponse, RouteCall, SerializedError, TaskCall, TaskOutcome, WorkerCall, WorkerSetup } from './messages.js';
import { offloadRegistry } from './registry.js';
import { ResponseRecorder } from './response-recorder.js';

/** What a worker needs from the App it serves; App.forWorker() provides it. */
export interface WorkerApp {
  forWorker(): Promise<WorkerRoutes>;
}

/** The App's offloaded routes, compiled to run inline, and its context class (with its `log`). */
export interface WorkerRoutes {
  runners: Map<string, Runner>;
  contextClass: RequestContextClass | null;
}

const setup = workerData as WorkerSetup;
offloadRegistry().inWorker = true;

// Loaded when the thread starts; a failure is answered on each call (see worker-entry.mts).
const runners = loadRunners();
/** Settles once the app module is imported, whether or not that worked. */
export const loaded: Promise<void> = runners.then(
  () => undefined,
  () => undefined,
);

/** Imports the app module, as the main thread did, and compiles the routes it offloads. */
async function loadRunners(): Promise<WorkerRoutes> {
  if (setup.module === null) return { runners: new Map(), contextClass: null };
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

/** piscina's handler: every call the main thread sends to this worker. */
export async function handleCall(call: WorkerCall): Promise<RecordedResponse | Uint8Array | null> {
  const routes = await runners;
  switch (call.kind) {
    case 'route':
      return runRoute(routes, call);
    case 'task':
      return runTask(call);
    case 'ping':
      return null;
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
  // A request that waited too long for this thread is not served late: its client gets 503 now.
  const waited = performance.timeOrigin + performance.now() - call.queuedAt;
  if (waited > call.maxQueueWait) return Promise.resolve({ status: 503, headers: undefined, body: undefined, destroyed: false, late: waited });
  // Only what crossed: the request line and headers. The socket and body stream stay on the main thread.
  const request = { method: call.method, url: call.url, headers: call.headers, httpVersion: call.httpVersion };
  // The id the main thread gave the request, so the handler's `log` lines carry the same reqId.
  if (call.reqId !== undefined) setRequestId(request, call.reqId);
  const context = new routes.contextClass!(request as never, call.params, call.rawQuery);
  if (call.timed) context.timing = new ServerTiming();
  if (call.declaredHeaders !== undefined) context.headers = call.declaredHeaders;
  context.validHeaders = call.validHeaders;
  context.parsedQuery = call.query;
  context.parsedCookies = call.cookies;
  context.body = reviveUploads(call.body); // uploads crossed as descriptions (src/forms/offload-uploads.ts)
  const recorder = new ResponseRecorder();
  run(context, recorder);
  const timing = context.timing;
  if (timing === undefined) return recorder.done;
  return recorder.done.then((recorded) => ({ ...recorded, timing: { queue: waited, dependencies: timing.dependencies, handler: timing.handler, serialize: timing.serialize } }));
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

function toSerializedError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), stack: undefined };
  const serialized: SerializedError = { name: error.name, message: error.message, stack: error.stack };
  if (error instanceof HTTPException) {
    serialized.statusCode = error.statusCode;
    serialized.detail = error.detail;
    if (error.headers !== undefined) serialized.headers = error.headers;
  }
  if (error instanceof LoopwiseError) serialized.code = error.code;
  return serialized;
}
