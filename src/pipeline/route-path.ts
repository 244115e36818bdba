import { LoopwiseError } from '../errors.js';
import { toPathTemplate } from '../openapi/path-template.js';

/**
 * What the route tree gets of a route's path, and what its matches need before the route runs.
 * Everything here is decided once per route at startup; routes without parameters get nothing.
 */
export interface RoutePattern {
  /** The path in find-my-way's syntax: a named wildcard (`/files/*file_path`) is registered as `*`. */
  treePath: string;
  /** Null when the route has no parameter to check or rename: its matches go to it as they are. */
  adapt: ParamsAdapter | null;
}

/**
 * The tree's params as the route declares them, or null when the match is not one Starlette would
 * make: a one-segment parameter that is empty (`/items/` against `/items/:id`). A named wildcard's
 * value moves from `*` to its name; a wildcard may be empty, as FastAPI's `{name:path}`.
 */
export type ParamsAdapter = (params: Record<string, unknown>) => Record<string, unknown> | null;

/** Reads a route's path once; throws LW_ERR_INVALID_ROUTE for a wildcard that does not end it or repeats a name. */
export function routePattern(path: string): RoutePattern {
  const { template, params } = toPathTemplate(path);
  const wildcards = params.filter((param) => param.wildcard === true);
  const wildcard = wildcards[0];
  if (wildcard !== undefined && (wildcards.length > 1 || params.at(-1) !== wildcard || !template.endsWith(`{${wildcard.name}}`))) {
    throw new LoopwiseError(
      'LW_ERR_INVALID_ROUTE',
      `the path ${path} has a "*" that does not end it: a wildcard takes the rest of the path, so it comes last, as "/files/*" or, named, "/files/*file_path".`,
    );
  }
  const segmentKeys = params.filter((param) => param.wildcard !== true).map((param) => param.key);
  const named = wildcard !== undefined && wildcard.key !== '*' ? wildcard.key : null;
  if (named !== null && segmentKeys.includes(named)) {
    throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `the path ${path} names two parameters "${named}": give the wildcard another name.`);
  }
  const treePath = named === null ? path : path.slice(0, path.length - named.length);
  return { treePath, adapt: paramsAdapter(segmentKeys, named) };
}

function paramsAdapter(segmentKeys: readonly string[], named: string | null): ParamsAdapter | null {
  if (named === null) {
    if (segmentKeys.length === 0) return null;
    // One or two parameters (most routes): straight comparisons, no loop.
    const [first, second] = segmentKeys as [string, string | undefined];
    if (segmentKeys.length === 1) return (params) => (params[first] === '' ? null : params);
    if (segmentKeys.length === 2) return (params) => (params[first] === '' || params[second!] === '' ? null : params);
    const keys = [...segmentKeys];
    return (params) => {
      for (let i = 0; i < keys.length; i++) if (params[keys[i]!] === '') return null;
      return params;
    };
  }
  // A new object, not a renamed key: `delete` would slow the object down, and a strict `params`
  // schema (additionalProperties: false) must not see a stray "*".
  return (params) => {
    const renamed: Record<string, unknown> = {};
    for (const key of segmentKeys) {
      const value = params[key];
      if (value === '') return null;
      renamed[key] = value;
    }
    renamed[named] = params['*'];
    return renamed;
  };
}
