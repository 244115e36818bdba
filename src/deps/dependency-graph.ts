import { isDeepStrictEqual } from 'node:util';
import type { TSchema } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';
import { dependencyLabel, type Dependency, type SecurityInfo } from './dependency.js';
import { routeName } from '../route-name.js';

type Replacements = ReadonlyMap<Dependency<unknown>, Dependency<unknown>>;
const NONE: Replacements = new Map();

/**
 * What the graph reads of a route, HTTP or WebSocket: its kind and path (to name it), its
 * dependencies, and the parts their own schemas merge into.
 */
export interface DependentRoute {
  method: string;
  path: string;
  options: {
    deps?: Record<string, Dependency<unknown>>;
    dependencies?: Dependency<unknown>[];
    query?: TSchema;
    headers?: TSchema;
    cookies?: TSchema;
  };
  ownParts?: { headers: boolean };
}

/** The dependencies a route names itself: its `deps` values and its (and its routers') `dependencies`. */
export function directDependencies(route: DependentRoute): { dependency: Dependency<unknown>; key?: string }[] {
  const direct: { dependency: Dependency<unknown>; key?: string }[] = [];
  for (const [key, dependency] of Object.entries(route.options.deps ?? {})) direct.push({ dependency, key });
  for (const dependency of route.options.dependencies ?? []) direct.push({ dependency });
  return direct;
}

/** Every dependency a route resolves, directly or through others, each once, as declared (or as overridden). */
export function allDependencies(route: DependentRoute, replacements: Replacements = NONE): Dependency<unknown>[] {
  const seen = new Set<Dependency<unknown>>();
  const visit = (declared: Dependency<unknown>): void => {
    const dependency = replacements.get(declared) ?? declared;
    if (seen.has(dependency)) return;
    seen.add(dependency);
    for (const inner of Object.values(dependency.options.deps ?? {})) visit(inner);
  };
  for (const { dependency } of directDependencies(route)) visit(dependency);
  return [...seen];
}

/** "a → b → a" for the first cycle reachable from `roots`, or null. */
export function findCycle(roots: { dependency: Dependency<unknown>; key?: string }[], replacements: Replacements = NONE): string | null {
  const done = new Set<Dependency<unknown>>();
  const path: { dependency: Dependency<unknown>; label: string }[] = [];
  const visit = (declared: Dependency<unknown>, key: string | undefined): string | null => {
    const dependency = replacements.get(declared) ?? declared;
    const label = dependency === declared ? dependencyLabel(dependency, key) : `${dependencyLabel(declared, key)} (overridden by ${dependencyLabel(dependency)})`;
    const at = path.findIndex((step) => step.dependency === dependency);
    if (at !== -1) return [...path.slice(at).map((step) => step.label), label].join(' → ');
    if (done.has(dependency)) return null;
    path.push({ dependency, label });
    for (const [innerKey, inner] of Object.entries(dependency.options.deps ?? {})) {
      const cycle = visit(inner, innerKey);
      if (cycle !== null) return cycle;
    }
    path.pop();
    done.add(dependency);
    return null;
  };
  for (const root of roots) {
    const cycle = visit(root.dependency, root.key);
    if (cycle !== null) return cycle;
  }
  return null;
}

/** Throws at startup, naming the cycle and the route, if a route's dependencies depend on themselves. */
export function assertNoCycle(route: DependentRoute, replacements: Replacements): void {
  const cycle = findCycle(directDependencies(route), replacements);
  if (cycle !== null) {
    throw new LoopwiseError('LW_ERR_DEPENDENCY_CYCLE', `the dependencies of ${route.method} ${route.path} form a cycle: ${cycle}. A dependency cannot depend on itself, directly or through others.`);
  }
}

const PARTS = ['query', 'headers', 'cookies'] as const;

/**
 * The route's query, headers and cookies schemas with its dependencies' own parts merged in,
 * so that they validate together (one 422 lists every problem) and are documented together.
 * Overrides set before startup bring their own parts; ones set later use the original's.
 */
export function withDependencyParts<R extends DependentRoute>(route: R, replacements: Replacements = NONE): R {
  const dependencies = allDependencies(route, replacements);
  if (!dependencies.some((dependency) => PARTS.some((part) => dependency.options[part] !== undefined))) return route;
  const options = { ...route.options };
  for (const part of PARTS) {
    let merged = route.options[part];
    for (const dependency of dependencies) {
      const own = dependency.options[part];
      if (own === undefined) continue;
      merged = merged === undefined ? own : mergeObjects(merged, own, routeName(route.method, route.path), dependencyLabel(dependency), part);
    }
    if (merged !== undefined) options[part] = merged;
  }
  return { ...route, options, ownParts: { headers: route.options.headers !== undefined } };
}

function mergeObjects(into: TSchema, from: TSchema, route: string, dependency: string, part: string): TSchema {
  const a = into.properties as Record<string, TSchema> | undefined;
  const b = from.properties as Record<string, TSchema> | undefined;
  if (typeof a !== 'object' || typeof b !== 'object') {
    throw new LoopwiseError('LW_ERR_INVALID_DEPENDENCY', `dependency ${dependency} declares ${part} for ${route}, but one of the ${part} schemas is not a t.Object: both must be, to be merged.`);
  }
  for (const [name, schema] of Object.entries(b)) {
    if (a[name] !== undefined && !isDeepStrictEqual(a[name], schema)) {
      throw new LoopwiseError('LW_ERR_INVALID_DEPENDENCY', `${part} "${name}" of ${route} is declared twice with different schemas (one by dependency ${dependency}); declare it once.`);
    }
  }
  const required = [...new Set([...((into.required as string[] | undefined) ?? []), ...((from.required as string[] | undefined) ?? [])])];
  return { ...into, properties: { ...a, ...b }, ...(required.length > 0 ? { required } : {}) } as TSchema;
}

/** The security schemes a route's dependencies use, for its OpenAPI operation. */
export function securityOf(route: DependentRoute): SecurityInfo[] {
  const found = new Map<string, SecurityInfo>();
  for (const dependency of allDependencies(route)) {
    const info = dependency.security;
    if (info === undefined) continue;
    const earlier = found.get(info.schemeName);
    if (earlier === undefined) found.set(info.schemeName, info);
    else if (!isDeepStrictEqual(earlier.scheme, info.scheme)) {
      throw new LoopwiseError(
        'LW_ERR_OPENAPI',
        `two different security schemes are named "${info.schemeName}" (both used by ${route.method} ${route.path}); give one a different schemeName.`,
      );
    }
  }
  return [...found.values()];
}
