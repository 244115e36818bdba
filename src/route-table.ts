import type { Logger } from 'pino';
import type { LoopGuard } from './guard/loop-guard.js';
import type { OffloadPool } from './offload/pool.js';
import { compileOffloadRunner } from './offload/run-offloaded.js';
import { compileRoute, type RouteRuntime } from './pipeline/compile-route.js';
import type { RouteTableEntry } from './pipeline/dispatch.js';
import type { ErrorResponder } from './pipeline/handle-error.js';
import { compileRunner, type Runner } from './pipeline/run-handler.js';
import type { BackgroundRunner } from './deps/background-tasks.js';
import type { DependencyRuntime } from './deps/request-scope.js';
import type { RouteDefinition } from './route.js';
import { routeName } from './route-name.js';
import { assertUniqueRoutes, routeKey } from './router.js';
import { DEFAULT_OFFLOAD_TIMEOUT } from './app-options.js';
import { isOffloaded, isQueueOffload } from './queue/bullmq-config.js';
import type { AppQueues } from './queue/app-queues.js';
import type { SchemaNamespace } from './schema/validator.js';

/** What every route's handler runs with: the App's error handlers, logger, dependency state and background tasks. */
export interface RunnerServices {
  responder: ErrorResponder;
  log: Logger;
  dependencies: DependencyRuntime;
  background: BackgroundRunner;
  /** The App's named schemas: a response schema's `t.Ref`s are found there. */
  schemas?: SchemaNamespace;
}

/**
 * Where the runners run. The main thread runs every route, an offloaded one by handing it to the
 * pool; a worker thread runs only the offloaded ones, inline, without a timeout or the loop
 * guard's timing (the main thread already validated the request and enforces both).
 */
export type RunnerPlace = { thread: 'main'; pool: OffloadPool | null; guard: LoopGuard; queues?: AppQueues | null } | { thread: 'worker' };

/** Each route's runner (what runs once its request is valid), keyed by routeName(), the same on both threads. */
export function compileRunners(routes: readonly RouteDefinition[], services: RunnerServices, place: RunnerPlace): Map<string, Runner> {
  const runners = new Map<string, Runner>();
  for (const route of routes) {
    const offloaded = isOffloaded(route.options.offload);
    if (place.thread === 'worker') {
      if (offloaded) runners.set(routeName(route.method, route.path), compileRunner(route, { ...services, timeout: undefined }));
      continue;
    }
    const { pool, guard } = place;
    const queue = route.options.offload;
    // Through a queue: the same runner, with the queue's client standing where the pool stands.
    const target = isQueueOffload(queue) && place.queues != null ? place.queues.client(queue.queue) : offloaded ? pool : null;
    const runner = target !== null
      ? compileOffloadRunner(route, { pool: target, responder: services.responder, guard, timeout: route.options.timeout ?? DEFAULT_OFFLOAD_TIMEOUT })
      : compileRunner(route, { ...services, timeout: route.options.timeout, guard });
    runners.set(routeName(route.method, route.path), runner);
  }
  return runners;
}

/**
 * The dispatcher's table: each route compiled (validators, serializers) around its runner, a
 * HEAD for every GET without one of its own, and no two routes that match the same requests.
 */
export function compileTable(
  routes: readonly RouteDefinition[],
  { runtime, runners, alwaysServe }: { runtime: RouteRuntime; runners: Map<string, Runner>; alwaysServe: ReadonlySet<RouteDefinition> },
): RouteTableEntry[] {
  assertUniqueRoutes(routes);
  const table: RouteTableEntry[] = [];
  for (const route of routes) {
    const name = routeName(route.method, route.path);
    const handler = compileRoute(route, runtime, runners.get(name)!);
    table.push({ method: route.method, path: route.path, name, handler, alwaysServe: alwaysServe.has(route) });
  }
  // HEAD is answered for every GET route that has no HEAD of its own: same handler, no body.
  const declared = new Set(routes.map((route) => routeKey(route.method, route.path)));
  for (const route of table) {
    if (route.method === 'GET' && !declared.has(routeKey('HEAD', route.path))) table.push({ ...route, method: 'HEAD' });
  }
  return table;
}
