import type { TSchema } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';
import { toPathTemplate } from '../openapi/path-template.js';
import { routeName } from '../route-name.js';

/** What the check reads of a route, HTTP or WebSocket: its kind, its full path and its `params` schema. */
export interface ParamsRoute {
  method: string;
  path: string;
  options: { params?: TSchema };
}

/**
 * Refuses a `params` schema that names a key the path has no parameter for: that key would be
 * missing from every request, so the route could only ever answer 422. Run at startup on full
 * paths (prefixes applied). A path parameter that `params` leaves out stays a string, as before.
 */
export function assertParamsInPath(route: ParamsRoute): void {
  const declared = declaredKeys(route.options.params);
  if (declared.length === 0) return;
  const pathParams = toPathTemplate(route.path).params.map((param) => param.key);
  const unknown = declared.filter((key) => !pathParams.includes(key));
  if (unknown.length === 0) return;
  throw new LoopwiseError('LW_ERR_INVALID_ROUTE', paramsMismatch(routeName(route.method, route.path), unknown, pathParams));
}

function paramsMismatch(name: string, unknown: string[], pathParams: string[]): string {
  const which = `${quoted(unknown)}, which the path does not have`;
  if (pathParams.length === 0) {
    return `${name}: params declares ${which} (the path has no parameters). Add it to the path (":${unknown[0]}"), or move it to query if it is a query parameter.`;
  }
  let advice = unknown.length === 1 ? 'Rename the key or the path parameter so they match.' : 'Rename the keys or the path parameters so they match.';
  // "/files/*" is params['*']: a key such as "file_path" needs the wildcard named after it.
  if (pathParams.includes('*')) advice += ` To read the wildcard as params.${unknown[0]}, name it in the path: "*${unknown[0]}".`;
  return `${name}: params declares ${which} (its parameters: ${quoted(pathParams)}). ${advice}`;
}

function quoted(names: string[]): string {
  return names.map((name) => JSON.stringify(name)).join(', ');
}

/** The keys an object schema names (an intersection's too); none for other shapes, which the check cannot read. */
function declaredKeys(schema: TSchema | undefined): string[] {
  if (schema === undefined || typeof schema !== 'object' || schema === null) return [];
  const keys = new Set<string>();
  if (typeof schema.properties === 'object' && schema.properties !== null) for (const key of Object.keys(schema.properties)) keys.add(key);
  if (Array.isArray(schema.allOf)) for (const member of schema.allOf as TSchema[]) for (const key of declaredKeys(member)) keys.add(key);
  return [...keys];
}
