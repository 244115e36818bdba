import type { IncomingHttpHeaders } from 'node:http';
import type { Static, TSchema } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';
import type { Reply } from '../pipeline/reply.js';
import type { RequestSnapshot } from '../http-types.js';
import type { BackgroundTasks } from './background-tasks.js';
import { captureModuleTrail } from '../offload/module-url.js';

/**
 * What lifespan and startup hooks put in `app.state`, as dependencies see it. Describe it once
 * for the whole program by augmenting this interface:
 *
 * ```ts
 * declare module 'loopwise' { interface AppState { db: Database } }
 * ```
 */
export interface AppState {}

/** What a dependency declares besides its function: its own request parts and the dependencies it uses. */
export interface DependencyOptions {
  /** Query parameters it reads: validated, coerced and documented with the route's own. */
  query?: TSchema;
  /** Headers it reads (lowercase names), validated and documented with the route's own. */
  headers?: TSchema;
  /** Cookies it reads, validated and documented with the route's own. */
  cookies?: TSchema;
  /** Other dependencies, resolved first (concurrently) and passed as `deps`. */
  deps?: Record<string, Dependency<unknown>>;
  /**
   * Resolve once per request however many routes' and dependencies' `deps` name it (default), or
   * on every use with `cache: false` (FastAPI's `use_cache=False`).
   */
  cache?: boolean;
  /** Shown in errors and cycles; default: the function's name. */
  name?: string;
}

/** @internal What the security helpers attach, so the OpenAPI document lists the scheme. */
export interface SecurityInfo {
  schemeName: string;
  scheme: Record<string, unknown>;
  scopes: string[];
}

type PartOf<O, K extends string, Fallback> = O extends { [P in K]: infer S extends TSchema } ? Static<S> : Fallback;

/** The values of a `deps` object, each typed by what its dependency yields or returns. */
export type ResolvedDeps<D> = { [K in keyof D]: D[K] extends Dependency<infer T> ? T : never };

/** What a dependency's function receives. */
export interface DependencyContext<O extends DependencyOptions = {}> {
  query: PartOf<O, 'query', Record<string, string | string[] | undefined>>;
  headers: PartOf<O, 'headers', IncomingHttpHeaders>;
  cookies: PartOf<O, 'cookies', Record<string, string | undefined>>;
  deps: O extends { deps: infer D } ? ResolvedDeps<D> : {};
  /** The request line and headers (dependencies of offloaded routes run on a worker thread, without the socket). */
  request: RequestSnapshot;
  /** Status, headers and cookies for the response. */
  reply: Reply;
  /** Work to run after the response is sent. */
  background: BackgroundTasks;
  /** What the app's lifespan and startup hooks set. */
  state: AppState;
  /** The client's address: the socket's peer, or with `trustProxy` the one the proxy forwarded (docs/behind-a-proxy.md). */
  readonly ip: string;
  /** 'http' or 'https', from a trusted proxy's X-Forwarded-Proto when there is one. */
  readonly protocol: string;
  /** The host the client asked for, from a trusted proxy's X-Forwarded-Host when there is one. */
  readonly host: string;
}

/** What a dependency function returns: a value, a promise of one, or a generator that yields one and cleans up after. */
type DependencyValue<R> =
  R extends AsyncGenerator<infer T, unknown, unknown> ? T : R extends Generator<infer T, unknown, unknown> ? T : Awaited<R>;

/**
 * A declared dependency; resolve it by naming it in a route's (or another dependency's) `deps`.
 * `Parts` is what it declared (its `query`, `headers`, `cookies`, `deps`), for the typed client.
 */
export interface Dependency<T = unknown, Parts = {}> {
  readonly name: string;
  readonly options: DependencyOptions;
  readonly resolve: (context: DependencyContext<never>) => unknown;
  /** @internal Set by the security helpers. */
  readonly security: SecurityInfo | undefined;
  /** The value's type, for inference only: never set. */
  readonly __value?: T;
  /** Its declared request parts, for the typed client (src/client/client-types.ts): never set. */
  readonly __parts?: Parts;
}

const DEPENDENCIES = new WeakSet<object>();
/** The modules on the stack when each dependency was made: where a worker thread can import it from (src/offload/override-sync.ts). */
const MADE_IN = new WeakMap<object, () => string[]>();

/**
 * Declares shared request logic once (FastAPI's `Depends`): a function of the request and of
 * other dependencies that returns a value (or a promise of one), or a generator that yields the
 * value and runs the code after `yield` once the response is sent, even when the handler threw.
 */
export function dependency<R>(resolve: (context: DependencyContext<{}>) => R): Dependency<DependencyValue<R>>;
export function dependency<const O extends DependencyOptions, R>(options: O, resolve: (context: DependencyContext<O>) => R): Dependency<DependencyValue<R>, O>;
export function dependency(first: unknown, second?: unknown): Dependency<unknown> {
  const [options, resolve] = typeof first === 'function' ? [{}, first] : [first ?? {}, second];
  return createDependency(options as DependencyOptions, resolve as Dependency['resolve'], undefined);
}

/** @internal */
export function createDependency(options: DependencyOptions, resolve: Dependency['resolve'], security: SecurityInfo | undefined): Dependency<unknown> {
  if (typeof resolve !== 'function') {
    throw new LoopwiseError('LW_ERR_INVALID_DEPENDENCY', 'dependency() needs a function: dependency(fn) or dependency(options, fn).');
  }
  for (const [key, value] of Object.entries(options.deps ?? {})) {
    if (!isDependency(value)) {
      throw new LoopwiseError('LW_ERR_INVALID_DEPENDENCY', `deps.${key} of dependency ${options.name ?? (resolve.name || '(anonymous)')} is not a dependency: wrap the function in dependency().`);
    }
  }
  const made: Dependency<unknown> = { name: options.name ?? resolve.name, options, resolve, security };
  DEPENDENCIES.add(made);
  MADE_IN.set(made, captureModuleTrail(createDependency));
  return Object.freeze(made);
}

/** @internal The modules (file URLs, outside loopwise) that were running when `dependency` was made, innermost first. */
export function modulesThatMade(dependency: Dependency<unknown>): string[] {
  return MADE_IN.get(dependency)?.() ?? [];
}

export function isDependency(value: unknown): value is Dependency<unknown> {
  return typeof value === 'object' && value !== null && DEPENDENCIES.has(value);
}

/** For messages: a dependency's own name, or the key it was declared under. */
export function dependencyLabel(dependency: Dependency<unknown>, key?: string): string {
  return dependency.name !== '' ? dependency.name : key !== undefined ? key : '(anonymous dependency)';
}
