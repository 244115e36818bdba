import type { Logger } from 'pino';
import { LoopwiseError, messageOf } from '../errors.js';
import type { RequestSnapshot } from '../http-types.js';
import type { Reply } from '../pipeline/reply.js';
import type { BackgroundTasks } from './background-tasks.js';
import { dependencyLabel, type AppState, type Dependency, type DependencyContext } from './dependency.js';
import type { DependencyOverrides } from './overrides.js';

/** What every request's dependencies share: the app's state, its overrides and its log. */
export interface DependencyRuntime {
  state: AppState;
  overrides: DependencyOverrides;
  log: Logger;
}

/**
 * The parts of one request its dependencies are given; the pipeline's RequestContext has them all.
 * Named here, so the scope needs nothing of the pipeline's context class that creates it.
 */
export interface DependencyRequest {
  readonly query: unknown;
  readonly cookies: unknown;
  readonly request: RequestSnapshot;
  /** The declared headers, validated: set when the route or one of its dependencies declared some. */
  readonly validHeaders: Record<string, unknown> | undefined;
  readonly reply: Reply;
  readonly background: BackgroundTasks;
}

type Cleanup = Generator<unknown, unknown, unknown> | AsyncGenerator<unknown, unknown, unknown>;

/**
 * One request's dependencies: each resolved once (unless it opts out), independent ones at the
 * same time, and the generators' code after `yield` run in reverse order once the response is out.
 */
export class DependencyScope {
  private readonly cache = new Map<Dependency<unknown>, Promise<unknown>>();
  private readonly cleanups: { generator: Cleanup; name: string }[] = [];

  constructor(
    private readonly context: DependencyRequest,
    private readonly runtime: DependencyRuntime,
  ) {}

  /** Resolves a `deps` object into an object of values, all at once. */
  async resolveAll(deps: Record<string, Dependency<unknown>>): Promise<Record<string, unknown>> {
    const keys = Object.keys(deps);
    const values = await settleAll(keys.map((key) => this.resolve(deps[key]!, key)));
    const resolved: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) resolved[keys[i]!] = values[i];
    return resolved;
  }

  /** Resolves dependencies run for their effect (a route's or router's `dependencies`). */
  async resolveEach(dependencies: readonly Dependency<unknown>[]): Promise<void> {
    await settleAll(dependencies.map((dependency) => this.resolve(dependency)));
  }

  resolve(declared: Dependency<unknown>, key?: string): Promise<unknown> {
    const dependency = this.runtime.overrides.get(declared) ?? declared;
    if (dependency.options.cache === false) return this.call(dependency, key);
    let value = this.cache.get(dependency);
    if (value === undefined) {
      value = this.call(dependency, key);
      this.cache.set(dependency, value);
    }
    return value;
  }

  /**
   * Runs the cleanups, last resolved first. `error` is what the handler (or a dependency) threw:
   * each generator sees it thrown at its `yield`, as in FastAPI. A cleanup's own failure is logged.
   */
  async close(error: unknown, route: string): Promise<void> {
    for (let i = this.cleanups.length - 1; i >= 0; i--) {
      const { generator, name } = this.cleanups[i]!;
      try {
        if (error === undefined) await generator.next();
        else await generator.throw(error);
      } catch (failure) {
        if (failure === error) continue; // the generator let the handler's error through: already answered
        this.runtime.log.error({ err: failure, route, dependency: name }, `the cleanup of dependency ${name} (${route}) failed: ${messageOf(failure)}`);
      }
    }
  }

  private async call(dependency: Dependency<unknown>, key: string | undefined): Promise<unknown> {
    const deps = dependency.options.deps === undefined ? {} : await this.resolveAll(dependency.options.deps);
    const context = this.context;
    const argument: DependencyContext<{}> = {
      query: context.query as DependencyContext['query'],
      // Validated headers for a dependency that declared some; all of Node's for one that did not.
      headers: (dependency.options.headers !== undefined ? context.validHeaders : context.request.headers) as DependencyContext['headers'],
      cookies: context.cookies as DependencyContext['cookies'],
      deps,
      request: context.request,
      reply: context.reply,
      background: context.background,
      state: this.runtime.state,
    };
    const result = dependency.resolve(argument as never);
    if (!isGenerator(result)) return result;
    const name = dependencyLabel(dependency, key);
    const first = await result.next();
    if (first.done === true) {
      throw new LoopwiseError('LW_ERR_INVALID_DEPENDENCY', `dependency ${name} is a generator that returned without yielding its value: yield exactly once.`);
    }
    this.cleanups.push({ generator: result, name });
    return first.value;
  }
}

/**
 * Promise.all that waits for every promise to settle before failing: a generator still setting up
 * when a sibling fails must have registered its cleanup before the scope closes.
 */
export async function settleAll(promises: Promise<unknown>[]): Promise<unknown[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value);
}

function isGenerator(value: unknown): value is Cleanup {
  if (typeof value !== 'object' || value === null) return false;
  const tag = (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  return tag === 'Generator' || tag === 'AsyncGenerator';
}
