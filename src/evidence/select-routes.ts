// Which of an app's routes the bench loads, and which it leaves out and why. By default: the app's
// own GET routes without path parameters. Built-in routes, routes with parameters, WebSocket
// routes and mounted handlers are listed as skipped (never dropped silently); streams are found
// later, by asking each route once (probe-route.ts), since a handler's answer is not declared.
import { isOffloaded } from '../queue/bullmq-config.js';
import type { App } from '../app.js';
import { LoopwiseError } from '../errors.js';
import type { RouteDefinition } from '../route.js';
import { routeName } from '../route-name.js';
import type { SkippedRoute } from './types.js';

export interface SelectedRoute {
  /** "GET /items/:id": the route as the app names it. */
  route: string;
  /** The concrete path loaded. */
  path: string;
  method: string;
  offload: boolean;
  body: string | undefined;
  /** Named by the user: loaded whatever it answers (no stream probe). */
  named: boolean;
}

export interface Selection {
  selected: SelectedRoute[];
  skipped: SkippedRoute[];
}

const BUILT_IN_REASON: Record<string, string> = {
  health: 'built-in (health check)',
  metrics: 'built-in (metrics)',
  openapi: 'built-in (OpenAPI document)',
  docs: 'built-in (docs page)',
};

export function selectRoutes(app: App<boolean>, names: string[] | undefined, bodies: Record<string, string> | undefined): Selection {
  const served = app.servedRoutes();
  const pick = (definition: RouteDefinition, path: string, named: boolean): SelectedRoute => {
    const route = routeName(definition.method, definition.path);
    return { route, path, method: definition.method, offload: isOffloaded(definition.options.offload), body: bodies?.[route] ?? bodies?.[routeName(definition.method, path)], named };
  };

  if (names === undefined) {
    const selected: SelectedRoute[] = [];
    const skipped: SkippedRoute[] = [];
    for (const definition of served.routes) {
      const route = routeName(definition.method, definition.path);
      if (definition.method !== 'GET') {
        const path = exampleOf(definition.path);
        skipped.push({ route, reason: `not a GET: load it with --route '${definition.method} ${path}'${definition.options.body === undefined ? '' : ` --body '${definition.method} ${path}=body.json'`}` });
      } else if (hasParams(definition.path)) skipped.push({ route, reason: `has path parameters: give a concrete path with --route '${definition.method} ${exampleOf(definition.path)}'` });
      else selected.push(pick(definition, definition.path, false));
    }
    // The docs pages' scripts and styles are the docs page's parts: its line says enough.
    for (const { kind, route } of served.builtIn) {
      if (kind !== 'docs-asset') skipped.push({ route: routeName(route.method, route.path), reason: BUILT_IN_REASON[kind] ?? 'built-in' });
    }
    for (const ws of served.websockets) skipped.push({ route: `WS ${ws.path}`, reason: 'WebSocket: the bench sends HTTP requests only' });
    for (const mount of served.mounts) {
      skipped.push({ route: `* ${mount.prefix}`, reason: `mounted ${mount.app === null ? 'handler' : 'app'}: name its paths with --route 'GET ${mount.prefix}/…'` });
    }
    if (selected.length === 0) {
      throw new LoopwiseError('LW_ERR_INVALID_OPTION', `benchApp: the app has no GET route without path parameters to load by default; name the routes to load (--route 'GET /items/1', or benchApp's routes).`);
    }
    return { selected, skipped };
  }

  const candidates = [...served.routes, ...served.builtIn.map(({ route }) => route)];
  const selected = names.map((wanted) => {
    // `get /items` is read as `GET /items`: the method's case is no one's intent.
    const match = /^([A-Za-z]+) (\/\S*)$/.exec(wanted.trim());
    if (match === null) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `benchApp: a route is "METHOD /path", e.g. "GET /json", not ${JSON.stringify(wanted)}.`);
    const method = match[1]!.toUpperCase();
    const path = match[2]!;
    if (hasParams(path)) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `benchApp: ${wanted} has path parameters; give a concrete path to load, e.g. "${method} ${exampleOf(path)}".`);
    const exact = candidates.find((d) => d.method === method && d.path === path);
    if (exact !== undefined) return pick(exact, path, true);
    const matching = candidates.find((d) => d.method === method && pathPattern(d.path).test(path));
    if (matching !== undefined) return pick(matching, path, true);
    // A mounted handler's routes are its own: the path is loaded as given.
    const mount = served.mounts.find((m) => path === m.prefix || path.startsWith(`${m.prefix}/`));
    if (mount !== undefined) return { route: routeName(method, path), path, method, offload: false, body: bodies?.[routeName(method, path)], named: true };
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `benchApp: the app has no route for ${wanted}.`);
  });
  return { selected, skipped: [] };
}

function hasParams(path: string): boolean {
  return path.includes(':') || path.includes('*');
}

/** "/items/:id" → "/items/1", "/files/*" → "/files/x". */
function exampleOf(path: string): string {
  return path.replace(/:[^/]+/g, '1').replace(/\*/g, 'x');
}

/** Enough of find-my-way's syntax to tell which route a concrete path belongs to. */
function pathPattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => (segment === '*' ? '.*' : segment.replace(/[.]/g, '\\.').replace(/:[^/]+/g, '[^/]+')))
    .join('/');
  return new RegExp(`^${source}$`);
}
