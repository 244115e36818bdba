import { LoopwiseError } from '../errors.js';
import { createDependency, dependencyLabel, isDependency, type Dependency, type DependencyContext } from './dependency.js';
import { findCycle } from './dependency-graph.js';

/**
 * Replacements for dependencies, e.g. a test database for the real one (FastAPI's
 * `app.dependency_overrides`). A replacement is a dependency or a plain function of the same
 * context; it applies to every request from then on, on the thread that set it.
 */
export class DependencyOverrides extends Map<Dependency<unknown>, Dependency<unknown>> {
  override set<T>(original: Dependency<T>, replacement: Dependency<T> | ((context: DependencyContext<never>) => unknown)): this {
    if (!isDependency(original)) throw new LoopwiseError('LW_ERR_INVALID_DEPENDENCY', 'dependencyOverrides.set(original, replacement): the original must be a dependency.');
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
    return this;
  }
}
