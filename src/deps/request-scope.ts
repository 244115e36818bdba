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
  readonly ip: string;
  readonly protocol: string;
  readonly host: string;
}

type Cleanup = Generator<unknown, unknown, unknown> | AsyncGenerator<unknown, unknown, unknown>;

/**
 * One request's dependencies: each resolved once (unless it opts out), independent ones at the
 * same time, and the generators' code after `yield` run in reverse order: once the response is
 * out when the request succeeded, before the answer when it failed (see unwind()).
 */
export class DependencyScope {
  private readonly cache = new Map<Dependency<unknown>, Promise<unknown>>();
  private readonly cleanups: { generator: Cleanup; name: string }[] = [];

  constructor(
    private readonly context: DependencyRequest,
    protected readonly runtime: DependencyRuntime,
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
   * The request failed (the handler or a dependency threw `error`) and has not been answered:
   * run the cleanups now, last resolved first, as nested try/finally blocks. Each generator sees
   * at its `yield` the error still pending — the one thrown, or the one an inner cleanup threw
   * instead — and what it throws replaces it (FastAPI's order: a dependency that converts an
   * error into an HTTPException decides the answer). Returns the error to answer with. A
   * generator that returns without throwing swallows the error, which leaves no answer: as in
   * FastAPI, that is a 500, here with a message that names the generator.
   */
  async unwind(error: unknown): Promise<unknown> {
    let pending = error;
    let swallowedBy: string | undefined;
    for (let i = this.cleanups.length - 1; i >= 0; i--) {
      const { generator, name } = this.cleanups[i]!;
      try {
        if (pending === undefined) await generator.next();
        else {
          await generator.throw(pending);
          swallowedBy = name;
          pending = undefined;
        }
      } catch (thrown) {
        pending = thrown;
      }
    }
    this.cleanups.length = 0;
    if (pending !== undefined || swallowedBy === undefined) return pending;
    return new LoopwiseError(
      'LW_ERR_INVALID_DEPENDENCY',
      `dependency ${swallowedBy} caught an error (${messageOf(error)}) after its yield and did not throw again, so the request has no answer: answered 500. ` +
        'In its catch block, throw the error again, or throw an HTTPException to answer with.',
      { cause: error },
    );
  }

  /**
   * Runs the cleanups, last resolved first, once the answer is out (`error` is what the request
   * failed with, if it was not unwound before the answer). Nothing can change the answer any more,
   * so each cleanup runs on its own: a cleanup's failure is logged and the next one runs as usual.
   */
  async close(error: unknown, route: string): Promise<void> {
    for (let i = this.cleanups.length - 1; i >= 0; i--) {
      const { generator, name } = this.cleanups[i]!;
      try {
        if (error === undefined) await generator.next();
        else await generator.throw(error);
      } catch (failure) {
        if (failure === error) continue; // the generator let the request's error through: already answered
        this.runtime.log.error({ err: failure, route, dependency: name }, `the cleanup of dependency ${name} (${route}) failed: ${messageOf(failure)}`);
      }
    }
    this.cleanups.length = 0;
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
      // Worked out only when read (proxy-addr with trustProxy), as on the handler's context.
      get ip() {
        return context.ip;
      },
      get protocol() {
        return context.protocol;
      },
      get host() {
        return context.host;
      },
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
 * The scope of a request that failed validation (src/deps/dependency-failures.ts): a dependency
 * in `failed` is not called, as FastAPI does not call one whose parameters are invalid; the
 * dependencies it uses are still resolved first, as FastAPI solves them before its parameters.
 */
export class ScopeAfterInvalidRequest extends DependencyScope {
  constructor(
    context: DependencyRequest,
    runtime: DependencyRuntime,
    private readonly failed: ReadonlySet<Dependency<unknown>>,
  ) {
    super(context, runtime);
  }

  override resolve(declared: Dependency<unknown>, key?: string): Promise<unknown> {
    const dependency = this.runtime.overrides.get(declared) ?? declared;
    if (!this.failed.has(dependency) && !this.failed.has(declared)) return super.resolve(declared, key);
    const inner = dependency.options.deps;
    return inner === undefined ? Promise.resolve(undefined) : this.resolveAll(inner).then(() => undefined);
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
