import type { Dependency } from '../deps/dependency.js';
import { DependencyScope, ScopeAfterInvalidRequest, settleAll, type DependencyRuntime } from '../deps/request-scope.js';
import type { RequestContext } from './context.js';

/** Resolves a request's dependencies into `context.deps`, then calls `then` (the handler, or a WebSocket's handshake). */
export type ResolveDependencies = (context: RequestContext, then: () => unknown) => Promise<unknown>;

/**
 * For a request that failed validation: resolves the dependencies that are still called (all but
 * `failed`), then rejects with `failure` (the 422) instead of calling the handler, so the
 * generators that ran see it at their `yield`. A dependency that throws first wins (FastAPI's order).
 */
export type ResolveThenFail = (context: RequestContext, failed: ReadonlySet<Dependency<unknown>>, failure: unknown) => Promise<never>;

type DependencyOptions = { deps?: Record<string, Dependency<unknown>>; dependencies?: readonly Dependency<unknown>[] };

/**
 * A route's dependencies, HTTP or WebSocket, compiled once: its `deps` resolved into an object of
 * values and its `dependencies` run for their effect, independent ones at the same time, each once,
 * in one scope whose cleanups run after the answer (src/pipeline/after-response.ts), or before it
 * when the request fails (DependencyScope.unwind). Null for a route with neither, which then pays nothing.
 */
export function compileDependencies(options: DependencyOptions, runtime: DependencyRuntime): ResolveDependencies | null {
  const deps = options.deps ?? {};
  const effects = options.dependencies ?? [];
  if (Object.keys(deps).length === 0 && effects.length === 0) return null;
  return function resolveDependencies(context, then) {
    const scope = new DependencyScope(context, runtime);
    context.scope = scope;
    // `then` runs in this same callback: no extra turn between the last dependency and the handler.
    // `dependencies` before `deps`: when both fail, the error answered is FastAPI's (it solves them in that order).
    return settleAll([scope.resolveEach(effects), scope.resolveAll(deps)]).then(([, values]) => {
      context.deps = values as Record<string, unknown>;
      return then();
    });
  };
}

/** The same route's dependencies for requests that failed validation; null for a route without any. */
export function compileDependenciesAfterInvalid(options: DependencyOptions, runtime: DependencyRuntime): ResolveThenFail | null {
  const deps = options.deps ?? {};
  const effects = options.dependencies ?? [];
  if (Object.keys(deps).length === 0 && effects.length === 0) return null;
  return function resolveThenFail(context, failed, failure) {
    const scope = new ScopeAfterInvalidRequest(context, runtime, failed);
    context.scope = scope;
    return settleAll([scope.resolveEach(effects), scope.resolveAll(deps)]).then(() => {
      throw failure;
    });
  };
}
