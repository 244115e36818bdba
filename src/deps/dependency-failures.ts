import type { ValidationIssue } from '../schema/validation-issue.js';
import type { Dependency } from './dependency.js';

type Replacements = ReadonlyMap<Dependency<unknown>, Dependency<unknown>>;

/** What the plan reads of a route: its dependencies, as the route (and its routers) declared them. */
export interface RouteWithDependencies {
  options: { deps?: Record<string, Dependency<unknown>>; dependencies?: readonly Dependency<unknown>[] };
}

/** A request that failed validation, as FastAPI's solve_dependencies would see it. */
export interface FailureVerdict {
  /** The issues in FastAPI's order: each dependency's (in resolution order), then the route's own. */
  issues: ValidationIssue[];
  /** Dependencies not to call: their own parts failed, or one they depend on was not called. */
  failed: ReadonlySet<Dependency<unknown>>;
  /** Whether any dependency is left to call; if not, the 422 can be answered at once. */
  runnable: boolean;
}

export interface FailurePlan {
  judge(issues: ValidationIssue[]): FailureVerdict;
}

const PART_OF_LOC: Record<string, 'query' | 'headers' | 'cookies'> = { query: 'query', header: 'headers', cookie: 'cookies' };

/**
 * Compiled once per route with dependencies (null without): which dependency declared each query
 * parameter, header and cookie, so that a failed validation can be judged as FastAPI does — a
 * dependency whose own parameters are invalid is not called (nor any that depends on it), the
 * others are, and the errors are listed dependency by dependency, the route's own last.
 */
export function compileFailurePlan(route: RouteWithDependencies, replacements: Replacements = new Map()): FailurePlan | null {
  const order = resolutionOrder(route, replacements);
  if (order.length === 0) return null;
  // "query:limit" → every dependency that declares it (in resolution order): two may share a
  // parameter of the same schema, and neither may be called with its invalid value.
  const owners = new Map<string, number[]>();
  // "query" → every dependency that declares some query parameter (for an issue about the part as a whole).
  const declarers = new Map<string, number[]>();
  order.forEach((dependency, index) => {
    for (const part of ['query', 'headers', 'cookies'] as const) {
      const properties = (dependency.options[part] as { properties?: object } | undefined)?.properties;
      if (properties === undefined) continue;
      declarers.set(part, [...(declarers.get(part) ?? []), index]);
      for (const name of Object.keys(properties)) owners.set(`${part}:${name}`, [...(owners.get(`${part}:${name}`) ?? []), index]);
    }
  });
  const children = order.map((dependency) => Object.values(dependency.options.deps ?? {}).map((inner) => order.indexOf(replacements.get(inner) ?? inner)));
  const routeOwn = order.length;

  return {
    judge(issues) {
      const failed = new Array<boolean>(order.length).fill(false);
      const positions = issues.map((issue) => {
        const part = PART_OF_LOC[issue.loc[0] as string];
        if (part === undefined) return routeOwn; // path and body: only the route declares them
        if (issue.loc.length > 1) {
          const declaring = owners.get(`${part}:${String(issue.loc[1])}`);
          if (declaring === undefined) return routeOwn;
          for (const index of declaring) failed[index] = true;
          return declaring[0]!;
        }
        // The part as a whole (none of its names): every dependency that reads it is affected.
        const affected = declarers.get(part) ?? [];
        for (const index of affected) failed[index] = true;
        return affected[0] ?? routeOwn;
      });
      // Dependencies come after the ones they use: one pass carries a failure up to its dependents.
      for (let i = 0; i < order.length; i++) if (!failed[i] && children[i]!.some((child) => failed[child])) failed[i] = true;
      const sorted = issues.map((issue, i) => ({ issue, position: positions[i]! })).sort((a, b) => a.position - b.position);
      return {
        issues: sorted.map((entry) => entry.issue),
        failed: new Set(order.filter((_, i) => failed[i])),
        runnable: failed.includes(false),
      };
    },
  };
}

/**
 * The route's dependencies in the order FastAPI solves them: the route's (and its routers')
 * `dependencies` first, then its `deps`, each after the dependencies it uses (depth first), each once.
 */
function resolutionOrder(route: RouteWithDependencies, replacements: Replacements): Dependency<unknown>[] {
  const order: Dependency<unknown>[] = [];
  const seen = new Set<Dependency<unknown>>();
  const visit = (declared: Dependency<unknown>): void => {
    const dependency = replacements.get(declared) ?? declared;
    if (seen.has(dependency)) return;
    seen.add(dependency);
    for (const inner of Object.values(dependency.options.deps ?? {})) visit(inner);
    order.push(dependency);
  };
  for (const dependency of route.options.dependencies ?? []) visit(dependency);
  for (const dependency of Object.values(route.options.deps ?? {})) visit(dependency);
  return order;
}
