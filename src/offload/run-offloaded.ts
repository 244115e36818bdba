import type { ServerResponse } from 'node:http';
import type { RouteDefinition } from '../route.js';
import type { ErrorResponder } from '../pipeline/handle-error.js';
import type { Runner } from '../pipeline/run-handler.js';
import type { ResponseSink } from '../pipeline/send.js';
import type { RecordedResponse, RouteCall } from './messages.js';
import type { OffloadPool } from './pool.js';

export interface OffloadRunnerOptions {
  pool: OffloadPool;
  errors: ErrorResponder;
  timeout: number | undefined;
}

/**
 * The main thread's half of an offloaded route: hand the validated request to a worker, then
 * write the response it recorded. Parsing and validation already ran here, so a 422 never costs
 * a thread; the handler, serialization and exception handlers run there.
 */
export function compileOffloadRunner(route: RouteDefinition, { pool, errors, timeout }: OffloadRunnerOptions): Runner {
  const name = `${route.method} ${route.path}`;
  return function runOffloaded(context, res) {
    const request = context.request;
    const call: RouteCall = {
      kind: 'route',
      route: name,
      method: request.method!,
      url: request.url!,
      httpVersion: request.httpVersion,
      headers: request.headers,
      params: context.params,
      rawQuery: context.rawQuery,
      query: context.parsedQuery,
      cookies: context.parsedCookies,
      declaredHeaders: context.headers === request.headers ? undefined : context.headers,
      body: context.body,
    };
    pool.run(call, name, timeout).then(
      (recorded) => replay(res, recorded as RecordedResponse),
      (error: unknown) => errors.respond(context, res, error, name),
    );
  };
}

function replay(res: ResponseSink, recorded: RecordedResponse): void {
  if (recorded.destroyed) {
    res.destroy();
    return;
  }
  (res as ServerResponse).writeHead(recorded.status, recorded.headers).end(recorded.body);
}
