import { directDependencies, type DependentRoute } from '../deps/dependency-graph.js';
import type { Dependency } from '../deps/dependency.js';
import { routeName } from '../route-name.js';

/** A dependency an offloaded route may resolve, and the first such route (for messages). */
export interface OverrideTarget {
  dependency: Dependency<unknown>;
  route: string;
}

/**
 * Every dependency the offloaded routes may resolve, each once, in an order that depends only on
 * how the app module registers its routes: the routes' own dependencies first (in route order),
 * then, breadth first, the ones they use and the ones their replacements use. A worker thread
 * imports the same module, so its list is the same, and an override crosses as an index into it
 * (functions cannot cross threads; the position in the app's own graph can). `replacementAt`
 * gives the replacement of the dependency at an index, whose dependencies are walked too.
 */
export function overrideTargets(
  offloaded: readonly DependentRoute[],
  replacementAt: (dependency: Dependency<unknown>, index: number) => Dependency<unknown> | undefined,
): OverrideTarget[] {
  const targets: OverrideTarget[] = [];
  const seen = new Set<Dependency<unknown>>();
  const add = (dependency: Dependency<unknown>, route: string): void => {
    if (seen.has(dependency)) return;
    seen.add(dependency);
    targets.push({ dependency, route });
  };
  for (const route of offloaded) {
    for (const { dependency } of directDependencies(route)) add(dependency, routeName(route.method, route.path));
  }
  for (let index = 0; index < targets.length; index++) {
    const { dependency, route } = targets[index]!;
    for (const inner of Object.values(dependency.options.deps ?? {})) add(inner, route);
    const replacement = replacementAt(dependency, index);
    for (const inner of Object.values(replacement?.options.deps ?? {})) add(inner, route);
  }
  return targets;
}
