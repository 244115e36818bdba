import type { TSchema } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';
import type { RouteDefinition } from '../route.js';
import { narrowResponseSchema, type ResponseFieldOptions } from '../schema/response-fields.js';
import { compileSerializer, serializeAny, type Serializer } from '../schema/serializer.js';
import { isBodiless } from './send.js';
import type { SchemaNamespace } from '../schema/validator.js';

/** How a route writes a returned value, per status. */
export interface ResponseSerializers {
  /** For the route's own `status`. */
  main: Serializer;
  /** For a status set with `reply.status()`; null when it must be a 500 instead (see {@link undeclaredStatus}). */
  forStatus(status: number): Serializer | null;
}

/**
 * Filtering fails closed. A route without `response` sends every value as it is, as before; a route
 * with it sends a value only through a schema, or unfiltered for a status it lists in `unfiltered`.
 * A status with neither has no serializer: a typo (`status: 201` with `response: { 200: … }`) used
 * to send the handler's whole object, internal fields and all.
 */
export function compileResponseSerializers(route: RouteDefinition, name: string, schemas?: SchemaNamespace): ResponseSerializers {
  checkResponseStatuses(route, name);
  const { response, unfiltered = [] } = route.options;
  const own = route.options.status ?? 200;
  const fields = responseFields(route, name, own);
  const serializers = new Map<number, Serializer>();
  for (const [status, declared] of Object.entries(response ?? {}) as [string, TSchema][]) {
    // Chosen once here: a route without the options serializes with its schema as declared.
    const schema = fields !== null && Number(status) === own ? narrowResponseSchema(declared, fields, name) : declared;
    serializers.set(Number(status), compileSerializer(schema, name, Number(status), schemas?.referencedSchemas(schema)));
  }
  for (const status of unfiltered) serializers.set(status, serializeAny);
  const filters = declaresResponses(route);
  // Bodiless statuses (204, 205, 304, 1xx) send nothing whatever the value: nothing to filter.
  const otherwise = (status: number): Serializer | null => (!filters || isBodiless(status) ? serializeAny : null);
  return {
    main: serializers.get(own) ?? otherwise(own)!,
    forStatus: (status) => serializers.get(status) ?? otherwise(status),
  };
}

/**
 * FastAPI's response_model_exclude_unset / _include / _exclude: they narrow the schema of the route's
 * own status (its response model), and need one to narrow.
 */
function responseFields(route: RouteDefinition, name: string, own: number): ResponseFieldOptions | null {
  const { responseExcludeUnset, responseInclude, responseExclude, response } = route.options;
  if (responseExcludeUnset !== true && responseInclude === undefined && responseExclude === undefined) return null;
  if (response?.[own] === undefined) {
    throw new LoopwiseError(
      'LW_ERR_INVALID_ROUTE',
      `${name} sets responseExcludeUnset, responseInclude or responseExclude, which narrow the response schema of its status ${own}, but it declares none: add response: { ${own}: … }.`,
    );
  }
  return { excludeUnset: responseExcludeUnset, include: responseInclude, exclude: responseExclude };
}

/**
 * At startup (compileRoute runs it for every route, offloaded ones included): a route that declares
 * response schemas must have one, or an `unfiltered` opt-in, for the status it answers with.
 */
export function checkResponseStatuses(route: RouteDefinition, name: string): void {
  const { response, unfiltered } = route.options;
  if (unfiltered !== undefined) {
    for (const status of unfiltered) {
      if (!Number.isInteger(status) || status < 100 || status > 599) {
        throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `unfiltered of ${name} lists ${String(status)}, which is not an HTTP status (100-599).`);
      }
      if (response?.[status] !== undefined) {
        throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `${name} declares a response schema for ${status} and lists it in unfiltered: choose one (the schema filters, unfiltered sends every field).`);
      }
    }
  }
  if (!declaresResponses(route)) return;
  const own = route.options.status ?? 200;
  if (response![own] !== undefined || unfiltered?.includes(own) === true || isBodiless(own)) return;
  // sse(), stream() and file() answers are HttpResponses, never filtered: their status needs no schema (response-class.ts).
  if (route.options.responseClass !== undefined) return;
  throw new LoopwiseError(
    'LW_ERR_INVALID_ROUTE',
    `${name} answers status ${own}, but its response schemas are for ${declaredList(route)} only, so its values would leave unfiltered. ` +
      `Declare response[${own}], set status to a declared one, or list ${own} in unfiltered to send its values as they are.`,
  );
}

/** The logged 500 for a value returned with a status that has neither a schema nor an `unfiltered` opt-in. */
export function undeclaredStatus(route: RouteDefinition, name: string, status: number): LoopwiseError {
  return new LoopwiseError(
    'LW_ERR_RESPONSE_SERIALIZATION',
    `${name} returned a value with status ${status}, which has no response schema (declared: ${declaredList(route)}); answered 500 rather than send it unfiltered. ` +
      `Declare response[${status}], or list ${status} in the route's unfiltered option.`,
  );
}

function declaresResponses(route: RouteDefinition): boolean {
  return route.options.response !== undefined && Object.keys(route.options.response).length > 0;
}

function declaredList(route: RouteDefinition): string {
  return Object.keys(route.options.response ?? {}).join(', ');
}
