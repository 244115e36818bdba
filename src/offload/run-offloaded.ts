import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { HTTPException, LoopwiseError, RequestValidationError } from '../errors.js';
import type { LoopGuard } from '../guard/loop-guard.js';
import type { RouteDefinition } from '../route.js';
import { routeName } from '../route-name.js';
import type { ErrorResponder } from '../pipeline/handle-error.js';
import type { RequestContext } from '../pipeline/context.js';
import type { Runner } from '../pipeline/run-handler.js';
import type { ResponseSink } from '../pipeline/send.js';
import type { RecordedResponse, RouteCall } from './messages.js';
import type { OffloadPool } from './pool.js';
import { requestIdOf } from '../pipeline/request-id.js';
import { compileFailurePlan } from '../deps/dependency-failures.js';
import { recordServerError } from '../pipeline/server-errors.js';
import { reviveError } from './serialized-error.js';

/** Where an offloaded call runs: the App's thread pool, or a queue's client (src/queue/queue-client.ts). */
export type OffloadTarget = Pick<OffloadPool, 'run' | 'overrides'>;

export interface OffloadRunnerOptions {
  pool: OffloadTarget;
  responder: ErrorResponder;
  guard: LoopGuard;
  timeout: number | undefined;
}

/**
 * The main thread's half of an offloaded route: hand the validated request to a worker, then
 * write the response it recorded. Parsing and validation already ran here, so a 422 never costs
 * a thread; the handler, serialization and exception handlers run there.
 */
export function compileOffloadRunner(route: RouteDefinition, { pool, responder, guard, timeout }: OffloadRunnerOptions): Runner {
  const name = routeName(route.method, route.path);
  const maxQueueWait = guard.settings.maxQueueWait;
  const sync = pool.overrides;

  function replay(context: RequestContext, res: ResponseSink, recorded: RecordedResponse): void {
    if (recorded.late !== undefined) {
      guard.noteShed('deadline');
      const detail = `Service Unavailable: the request waited ${Math.round(recorded.late)} ms for a worker thread (limit ${maxQueueWait} ms), retry shortly`;
      responder.respond(context, res, new HTTPException(503, detail, { 'retry-after': '1' }), name);
      return;
    }
    if (recorded.error !== undefined) recordServerError(context.request, reviveError(recorded.error));
    if (recorded.destroyed) {
      res.destroy();
      return;
    }
    let headers = recorded.headers;
    const timing = context.timing;
    if (timing !== undefined && recorded.timing !== undefined) {
      timing.lap();
      timing.queue = recorded.timing.queue;
      timing.dependencies = recorded.timing.dependencies;
      timing.handler = recorded.timing.handler;
      timing.serialize = recorded.timing.serialize;
      headers = { ...headers, 'server-timing': timing.header() };
    }
    try {
      (res as ServerResponse).writeHead(recorded.status, headers).end(recorded.body);
    } catch (error) {
      // What the worker's handler set is checked there; this is the last line, so a bad header is a 500, not a crash.
      responder.respond(context, res, new LoopwiseError('LW_ERR_INVALID_RESPONSE', `the response could not be written: ${(error as Error).message}`, { cause: error }), name);
    }
  }

  const runner: Runner = function runOffloaded(context, res) {
    hand(context, res, describe(context));
  };
  // A request that failed validation on a route with dependencies: when some of them are still to
  // be called (FastAPI's order), the worker calls them with the issues; otherwise 422 here, at once.
  const plan = compileFailurePlan(route);
  if (plan !== null) {
    runner.withIssues = function runOffloadedWithIssues(context, res, issues) {
      const verdict = plan.judge(issues);
      if (!verdict.runnable) {
        responder.respond(context, res, new RequestValidationError(verdict.issues), name);
        return;
      }
      const call = describe(context);
      call.body = undefined; // never read now (dependencies do not read bodies), and an upload could not cross
      call.issues = issues;
      hand(context, res, call);
    };
  }
  return runner;

  function hand(context: RequestContext, res: ResponseSink, call: RouteCall): void {
    // Once a test set an override, every call carries them; until then (in production, always) nothing.
    const overrides = sync?.message();
    if (overrides === undefined) return send(context, res, call);
    if (!(overrides instanceof Promise)) {
      call.overrides = overrides;
      return send(context, res, call);
    }
    overrides.then(
      (message) => {
        call.overrides = message;
        send(context, res, call);
      },
      (error: unknown) => responder.respond(context, res, error, name),
    );
  }

  function send(context: RequestContext, res: ResponseSink, call: RouteCall): void {
    pool.run(call, name, timeout).then(
      (recorded) => replay(context, res, recorded as RecordedResponse),
      (error: unknown) => responder.respond(context, res, error, name),
    );
  }

  function describe(context: RequestContext): RouteCall {
    const request = context.request;
    return {
      kind: 'route',
      route: name,
      method: request.method!,
      url: request.url!,
      httpVersion: request.httpVersion,
      headers: request.headers,
      client: { ip: context.ip, protocol: context.protocol, host: context.host },
      params: context.params,
      rawQuery: context.rawQuery,
      query: context.parsedQuery,
      cookies: context.parsedCookies,
      declaredHeaders: context.headers === request.headers ? undefined : context.headers,
      validHeaders: context.validHeaders,
      body: context.body,
      queuedAt: performance.timeOrigin + performance.now(),
      maxQueueWait,
      timed: context.timing !== undefined,
      reqId: requestIdOf(request),
    };
  }
}
