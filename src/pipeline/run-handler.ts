import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { LoopwiseError, RequestValidationError, timeoutError } from '../errors.js';
import { HttpResponse, stopBody } from '../responses/http-response.js';
import type { LoopGuard } from '../guard/loop-guard.js';
import type { RouteDefinition } from '../route.js';
import { routeName } from '../route-name.js';
import type { RequestContext } from './context.js';
import { compileResponseSerializers, undeclaredStatus } from './response-statuses.js';
import type { ErrorResponder } from './handle-error.js';
import { writeJson, writeResponse, type ResponseSink } from './send.js';
import type { BackgroundRunner } from '../deps/background-tasks.js';
import type { DependencyRuntime } from '../deps/request-scope.js';
import { afterAnswer } from './after-response.js';
import { compileDependencies, compileDependenciesAfterInvalid } from './resolve-dependencies.js';
import { compileFailurePlan } from '../deps/dependency-failures.js';
import type { ValidationIssue } from '../schema/validation-issue.js';
import type { SchemaNamespace } from '../schema/validator.js';
import { NOT_YET, fulfilledNow } from '../server/fulfilled-now.js';

/** Runs a route's handler on a validated context and writes what it returns, or what it throws. */
export interface Runner {
  (context: RequestContext, res: ResponseSink): void;
  /**
   * For a route with dependencies, a request that failed validation: the dependencies whose own
   * parts are valid run first, and the answer is the 422 of `issues` unless one of them throws
   * (FastAPI's order). Absent for a route without dependencies: its 422 is answered at once.
   */
  withIssues?: (context: RequestContext, res: ResponseSink, issues: ValidationIssue[]) => void;
}

export interface RunnerOptions {
  responder: ErrorResponder;
  log: Logger;
  /** Answer 504 if the handler's promise has not settled after this many ms. */
  timeout?: number | undefined;
  /** Times the handler's synchronous slice and names the route if it held the loop too long. */
  guard?: LoopGuard | null;
  /** State, overrides and log for the route's dependencies. */
  dependencies?: DependencyRuntime;
  /** Runs background tasks after the response, and lets shutdown wait for them. */
  background?: BackgroundRunner;
  /** The App's named schemas: a response schema's `t.Ref`s are found there. */
  schemas?: SchemaNamespace;
}

/**
 * The part of a route that is the same inline and on a worker thread: call the handler, then
 * serialize its value with the schema for its status (or answer the error it raised).
 */
export function compileRunner(route: RouteDefinition, options: RunnerOptions): Runner {
  const { responder, log, timeout, guard = null, background } = options;
  const name = routeName(route.method, route.path);
  const handler = withDependencies(route, route.handler as unknown as (context: RequestContext) => unknown, options);

  /** Once the response is out (or, after a 504, once the handler settled); a streamed body is out when it is done. */
  function after(context: RequestContext, error: unknown, res: ResponseSink): void {
    if (context.scope === undefined && context.backgroundState === undefined) return;
    afterAnswer(context, error, name, { background, log }, isStreaming(res) ? responseClosed(res) : undefined);
  }
  /**
   * The handler or a dependency threw and nothing is answered yet: the generators' cleanups run
   * first and see the error, and what they leave (the error, or one they threw instead) is the
   * answer, as in FastAPI. Without dependencies, the error is answered at once.
   */
  function answerFailure(context: RequestContext, res: ResponseSink, error: unknown, answered?: () => boolean): void {
    const scope = context.scope;
    if (scope === undefined) {
      responder.respond(context, res, error, name);
      after(context, error, res);
      return;
    }
    context.scope = undefined; // unwound here: nothing is left to close after the answer
    scope.unwind(error).then((final) => {
      if (answered?.() === true) log.debug({ err: final, route: name }, `${name} failed after its timeout had been answered`);
      else responder.respond(context, res, final, name);
      after(context, final === undefined ? FAILED : final, res); // background tasks of a failed request never run
    });
  }

  const defaultStatus = route.options.status ?? 200;
  const serializers = compileResponseSerializers(route, name, options.schemas);
  const defaultSerializer = serializers.main;

  /** Writes the value; returns the error answered instead when it does not fit its schema. */
  function send(context: RequestContext, res: ResponseSink, value: unknown): unknown {
    const timing = context.timing;
    if (timing !== undefined) timing.handler = timing.lap(); // until the handler's value settled
    if (value instanceof HttpResponse) {
      if (timing !== undefined) context.reply.header('server-timing', timing.header());
      try {
        writeResponse(res, value, context.replyState, (error) => responder.respond(context, res, error, name));
      } catch (error) {
        return writeFailed(context, res, error);
      }
      return undefined;
    }
    const status = context.replyState?.statusCode ?? defaultStatus;
    // Filtering fails closed: a status with no schema (and no `unfiltered` opt-in) on a route that
    // declares responses is a 500, never the whole value (src/pipeline/response-statuses.ts).
    const serializer = status === defaultStatus ? defaultSerializer : serializers.forStatus(status);
    if (serializer === null) {
      const failure = undeclaredStatus(route, name, status);
      responder.respond(context, res, failure, name);
      return failure;
    }
    let payload: string;
    try {
      payload = serializer(value);
    } catch (error) {
      const message = `the value returned by ${name} does not fit its response schema for status ${status} (${(error as Error).message})`;
      const failure = new LoopwiseError('LW_ERR_RESPONSE_SERIALIZATION', message, { cause: error });
      responder.respond(context, res, failure, name);
      return failure;
    }
    if (timing !== undefined) {
      timing.serialize = timing.lap();
      context.reply.header('server-timing', timing.header());
    }
    try {
      writeJson(res, status, payload, context.replyState?.headers);
    } catch (error) {
      return writeFailed(context, res, error);
    }
    return undefined;
  }

  /** A response Node refuses to write (a status or header it rejects) is a logged 500 for this request, never a throw. */
  function writeFailed(context: RequestContext, res: ResponseSink, error: unknown): unknown {
    responder.respond(context, res, error, name);
    return error;
  }

  function callUntimed(context: RequestContext, res: ResponseSink): unknown {
    if (context.timing !== undefined) context.timing.lap(); // the handler phase starts here
    try {
      return handler(context);
    } catch (error) {
      responder.respond(context, res, error, name);
      return FAILED;
    }
  }

  // Every inline request passes here: its handler's first slice is timed (dependencies' routes time it after them).
  const timed = firstSliceTimer(guard, name);
  // Requests past their first await, counted so that a stall after an await has its suspects.
  const activity = timed === null ? null : guard!.activity(name);
  const call = timed === null ? callUntimed : (context: RequestContext, res: ResponseSink) => timed(callUntimed, context, res);

  const runner: Runner = timeout === undefined ? run : runWithTimeout;
  const withIssues = compileRunWithIssues(route, options, answerFailure, after);
  if (withIssues !== null) runner.withIssues = withIssues;
  return runner;

  function run(context: RequestContext, res: ResponseSink): void {
    const result = call(context, res);
    // A synchronous throw: no dependencies ran (they are awaited first), and tasks are dropped.
    if (result === FAILED) return;
    if (result instanceof Promise) {
      const now = fulfilledNow(result);
      if (now !== NOT_YET) {
        after(context, send(context, res, now), res);
        return;
      }
      activity?.begin();
      result.then(
        (value) => {
          activity?.end();
          after(context, send(context, res, value), res);
        },
        (error: unknown) => {
          activity?.end();
          answerFailure(context, res, error);
        },
      );
    } else {
      after(context, send(context, res, result), res);
    }
  }

  // An inline handler cannot be stopped, only answered for: the client gets 504 on time and
  // whatever the handler does later is dropped (offload: true is what really stops it).
  function runWithTimeout(context: RequestContext, res: ResponseSink): void {
    const result = call(context, res);
    if (result === FAILED) return;
    if (!(result instanceof Promise)) {
      after(context, send(context, res, result), res);
      return;
    }
    activity?.begin();
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      log.warn({ route: name, timeout }, `${name} did not finish within its ${timeout} ms timeout; answered 504. It keeps running: mark it offload: true to have it stopped.`);
      responder.respond(context, res, timeoutError(timeout!), name);
    }, timeout);
    // Cleanups wait for the handler even after a 504: it may still be using what they close.
    result.then(
      (value) => {
        activity?.end();
        let failure: unknown;
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          failure = send(context, res, value);
        } else if (value instanceof HttpResponse) stopBody(value.body); // answered 504 already: a file() it opened is closed now
        after(context, failure, res);
      },
      (error: unknown) => {
        activity?.end();
        if (settled) {
          log.debug({ err: error, route: name }, `${name} failed after its timeout had been answered`);
          after(context, error, res);
          return;
        }
        // The timer keeps running while the cleanups unwind: a slow one still gets the client its 504 on time.
        answerFailure(context, res, error, () => {
          if (settled) return true;
          settled = true;
          clearTimeout(timer);
          return false;
        });
      },
    );
  }
}

/**
 * The runner's path for a request that failed validation, on a route with dependencies (null
 * without): the issues are judged as FastAPI's solve_dependencies would (src/deps/dependency-failures.ts).
 * When no dependency is left to call, the 422 goes out at once; otherwise the others run, and a
 * throw among them is the answer, else the 422 (either after the generators that ran unwound).
 */
function compileRunWithIssues(
  route: RouteDefinition,
  { dependencies: runtime, responder, log, timeout }: RunnerOptions,
  answerFailure: (context: RequestContext, res: ResponseSink, error: unknown, answered?: () => boolean) => void,
  after: (context: RequestContext, error: unknown, res: ResponseSink) => void,
): NonNullable<Runner['withIssues']> | null {
  if (runtime === undefined) return null;
  const resolveThenFail = compileDependenciesAfterInvalid(route.options, runtime);
  const plan = compileFailurePlan(route, runtime.overrides);
  if (resolveThenFail === null || plan === null) return null;
  const name = routeName(route.method, route.path);
  return function runWithIssues(context, res, issues) {
    const verdict = plan.judge(issues);
    const failure = new RequestValidationError(verdict.issues);
    if (!verdict.runnable) {
      responder.respond(context, res, failure, name);
      return;
    }
    const failing = resolveThenFail(context, verdict.failed, failure);
    if (timeout === undefined) {
      failing.catch((error: unknown) => answerFailure(context, res, error));
      return;
    }
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      log.warn({ route: name, timeout }, `the dependencies of ${name} did not finish within its ${timeout} ms timeout; answered 504.`);
      responder.respond(context, res, timeoutError(timeout), name);
    }, timeout);
    failing.catch((error: unknown) => {
      if (settled) after(context, error, res);
      else
        answerFailure(context, res, error, () => {
          if (settled) return true;
          settled = true;
          clearTimeout(timer);
          return false;
        });
    });
  };
}

const FAILED = Symbol('handler threw');

/** A ServerResponse whose body is still going out (a stream): ended responses have `writableEnded`. */
function isStreaming(res: ResponseSink): res is ResponseSink & ServerResponse {
  const out = res as Partial<ServerResponse>;
  return typeof out.once === 'function' && out.writableEnded === false && out.destroyed === false;
}

/** Settles once the response is finished or the client went away, then one more turn (as afterResponse). */
function responseClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => res.once('close', () => setImmediate(resolve)));
}

/**
 * The handler, preceded by the route's dependencies: its `deps` resolved (independent ones at the
 * same time, each once) and its `dependencies` run. Routes without any keep the handler as it is.
 */
function withDependencies(
  route: RouteDefinition,
  handler: (context: RequestContext) => unknown,
  { dependencies: runtime, guard = null }: RunnerOptions,
): (context: RequestContext) => unknown {
  const resolve = runtime === undefined ? null : compileDependencies(route.options, runtime);
  if (resolve === null) return handler;
  // The handler's first slice now starts after an await: it is timed here, not by the runner.
  const timed = firstSliceTimer(guard, routeName(route.method, route.path));
  return function resolveThenHandle(context) {
    return resolve(context, () => {
      const timing = context.timing;
      if (timing !== undefined) timing.dependencies = timing.lap();
      return timed === null ? handler(context) : timed(handler, context, undefined);
    });
  };
}

/**
 * Calls `call(a, b)` and times its synchronous slice, up to the handler's first await or its end:
 * the part that can hold the loop. Past the guard's threshold the guard judges it (the host may
 * have taken the time) and names the route. Two clock reads per request; null when the guard is
 * off, so untimed routes pay nothing.
 */
function firstSliceTimer(guard: LoopGuard | null, name: string): (<A, B, R>(call: (a: A, b: B) => R, a: A, b: B) => R) | null {
  if (guard === null || !guard.settings.enabled) return null;
  const threshold = guard.settings.blockThreshold;
  const clock = guard.clock;
  if (guard.sharesSliceStart) {
    // On Bun: a slice that runs in the dispatcher's own call (a route without a body) starts at the
    // reading its shedding check took, one clock read less per request; the route's own checks
    // (microseconds) count in its slice. Any other slice reads the clock (LoopGuard.sliceStart).
    return function timedFromDispatch(call, a, b) {
      let start = guard.sliceStart;
      if (start < 0) start = performance.now();
      else guard.sliceStart = -1;
      clock.check(start);
      const result = call(a, b);
      const end = performance.now();
      if (end - start >= threshold) guard.slowSlice(name, start, end, 'before its first await');
      return result;
    };
  }
  return function timed(call, a, b) {
    if (guard.tracing) guard.tag(name);
    const start = performance.now();
    // A stall that ended just before this request is judged now, so it is not counted in this slice's time.
    clock.check(start);
    const result = call(a, b);
    const end = performance.now();
    if (end - start >= threshold) guard.slowSlice(name, start, end, 'before its first await');
    return result;
  };
}
