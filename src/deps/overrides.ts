import { LoopwiseError } from '../errors.js';
import { createDependency, dependencyLabel, isDependency, type Dependency, type DependencyContext } from './dependency.js';
import { findCycle } from './dependency-graph.js';

/** A replacement: a dependency, or a plain function of the same context. */
/** What a replacement gives: the original's value, directly, awaited, or yielded (a dependency with cleanup). */
type ReplacementResult<T> = T | Promise<T> | Generator<T, unknown, unknown> | AsyncGenerator<T, unknown, unknown>;
/** A dependency or a function giving the original's type of value, so a fake that drifts from the real one stops compiling. */
export type Replacement<T> = Dependency<T> | ((context: DependencyContext<never>) => ReplacementResult<T>);

export interface OverrideOptions {
  /**
   * The file URL of a module that exports the replacement, for worker threads: they import it to
   * find the replacement (a function cannot be sent to a thread). Only needed for a plain function
   * used by an offloaded route; a `dependency()` is found where it was made. See docs/dependencies.md.
   */
  module?: string | URL;
}

/** @internal What the user passed to set(): the value worker threads must find, and where. */
export interface OverrideSource {
  given: Replacement<unknown>;
  module: string | undefined;
}

/**
 * Replacements for dependencies, e.g. a test database for the real one (FastAPI's
 * `app.dependency_overrides`). A replacement is a dependency or a plain function of the same
 * context; it applies to every request from then on, offloaded routes' included (their worker
 * threads receive it before their next request: src/offload/override-sync.ts).
 */
export class DependencyOverrides extends Map<Dependency<unknown>, Dependency<unknown>> {
  /** @internal Counts changes, so worker threads know when theirs are out of date (0: never set). */
  version = 0;
  /** @internal What set() was given, per original. */
  readonly sources = new Map<Dependency<unknown>, OverrideSource>();
  /** @internal Set by an App with offloaded routes: refuses a replacement its worker threads could not find. */
  checkReach: ((original: Dependency<unknown>, source: OverrideSource) => void) | null = null;

  override set<T>(original: Dependency<T>, replacement: Replacement<T>, options: OverrideOptions = {}): this {
    if (!isDependency(original)) throw new LoopwiseError('LW_ERR_INVALID_DEPENDENCY', 'dependencyOverrides.set(original, replacement): the original must be a dependency.');
    const module = options.module === undefined ? undefined : String(options.module);
    if (module !== undefined && !module.startsWith('file:')) {
      throw new LoopwiseError('LW_ERR_INVALID_OPTION', `dependencyOverrides.set(${dependencyLabel(original)}, …, { module }): module must be a file URL (new URL('./overrides.ts', import.meta.url)), not ${JSON.stringify(module)}.`);
    }
    const source: OverrideSource = { given: replacement as Replacement<unknown>, module };
    this.checkReach?.(original as Dependency<unknown>, source);
    const made = isDependency(replacement)
      ? replacement
      : // A plain function reads the same request parts as the original, without its dependencies.
        createDependency(
          { query: original.options.query, headers: original.options.headers, cookies: original.options.cookies, cache: original.options.cache, name: `${dependencyLabel(original)} (override)` },
          replacement as Dependency['resolve'],
          original.security,
        );
    super.set(original as Dependency<unknown>, made);
    // An override that (through others) depends on what it replaces would resolve forever.
    const cycle = findCycle([{ dependency: original as Dependency<unknown> }], this);
    if (cycle !== null) {
      super.delete(original as Dependency<unknown>);
      throw new LoopwiseError('LW_ERR_DEPENDENCY_CYCLE', `overriding ${dependencyLabel(original)} makes a dependency cycle: ${cycle}.`);
    }
    this.sources.set(original as Dependency<unknown>, source);
    this.version++;
    return this;
  }

  override delete(original: Dependency<unknown>): boolean {
    this.sources.delete(original);
    const deleted = super.delete(original);
    if (deleted) this.version++;
    return deleted;
  }

  override clear(): void {
    this.sources.clear();
    if (this.size > 0) this.version++;
    super.clear();
  }
}
