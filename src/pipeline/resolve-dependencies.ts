import type { Dependency } from '../deps/dependency.js';
import { DependencyScope, settleAll, type DependencyRuntime } from '../deps/request-scope.js';
import type { RequestContext } from './context.js';

/** Resolves a request's dependencies into `context.deps`, then calls `then` (the handler, or a WebSocket's handshake). */
export type ResolveDependencies = (context: RequestContext, then: () => unknown) => Promise<unknown>;

/**
 * A route's dependencies, HTTP or WebSocket, compiled once: its `deps` resolved into an object of
 * values and its `dependencies` run for their effect, independent ones at the same time, each once,
 * in one scope whose cleanups run after the answer (src/pipeline/after-response.ts). Null for a
 * route with neither, which then pays nothing.
 */
export function compileDependencies(
  options: { deps?: Record<string, Dependency<unknown>>; dependencies?: readonly Dependency<unknown>[] },
  runtime: DependencyRuntime,
): ResolveDependencies | null {
  const deps = options.deps ?? {};
  const effects = options.dependencies ?? [];
  if (Object.keys(deps).length === 0 && effects.length === 0) return null;
  return function resolveDependencies(context, then) {
    const scope = new DependencyScope(context, runtime);
    context.scope = scope;
    // `then` runs in this same callback: no extra turn between the last dependency and the handler.
    return settleAll([scope.resolveAll(deps), scope.resolveEach(effects)]).then(([values]) => {
      context.deps = values as Record<string, unknown>;
      return then();
    });
  };
}
