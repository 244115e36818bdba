import { LoopwiseError } from '../errors.js';
import type { DependentRoute } from '../deps/dependency-graph.js';
import { dependencyLabel, isDependency, type Dependency } from '../deps/dependency.js';
import type { DependencyOverrides, Replacement } from '../deps/overrides.js';
import type { OverridesMessage } from './messages.js';
import { overrideTargets } from './override-targets.js';

/**
 * A worker thread's side of src/offload/override-sync.ts: makes this thread's overrides the
 * main thread's. Each replacement is imported from the module that exports it; each original is
 * found at the same place among this thread's offloaded routes' dependencies, and checked by name.
 * Everything is looked up before anything changes, so a failure leaves the overrides as they were.
 */
export async function applyOverrides(overrides: DependencyOverrides, offloaded: readonly DependentRoute[], message: OverridesMessage): Promise<void> {
  const replacements = new Map<number, Replacement<unknown>>();
  for (const entry of message.entries) {
    const namespace = (await import(entry.module)) as Record<string, unknown>;
    const value = namespace[entry.export];
    if (typeof value !== 'function' && !isDependency(value)) {
      throw new LoopwiseError('LW_ERR_OFFLOAD_MODULE', `the worker's copy of ${entry.module} has no export ${entry.export} to override ${entry.original} with: export it the same way on every import.`);
    }
    replacements.set(entry.index, value as Replacement<unknown>);
  }
  const targets = overrideTargets(offloaded, (_dependency, index) => {
    const replacement = replacements.get(index);
    return isDependency(replacement) ? replacement : undefined;
  });
  const originals = message.entries.map((entry): Dependency<unknown> => {
    const target = targets[entry.index];
    if (target === undefined || dependencyLabel(target.dependency) !== entry.original) {
      throw new LoopwiseError(
        'LW_ERR_OFFLOAD_MODULE',
        `the worker's copy of the app has no dependency ${entry.original} where the main thread's has: register routes and their dependencies the same way on every import.`,
      );
    }
    return target.dependency;
  });
  overrides.clear();
  message.entries.forEach((entry, at) => overrides.set(originals[at]!, replacements.get(entry.index)!));
}
