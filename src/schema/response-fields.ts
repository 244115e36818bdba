import type { TSchema } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';

/** A route's choice of which fields of its response leave the server (FastAPI's `response_model_*`). */
export interface ResponseFieldOptions {
  /** Leave out the fields the returned value does not have, instead of writing their defaults. */
  excludeUnset?: boolean | undefined;
  /** Only these top-level fields. */
  include?: readonly string[] | undefined;
  /** All but these top-level fields. */
  exclude?: readonly string[] | undefined;
}

// Keywords whose values are data, never schemas to walk into.
const DATA_KEYWORDS = new Set(['const', 'default', 'enum', 'examples', 'example']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

/**
 * The schema a route's response is serialized with, narrowed once at startup: the fields picked by
 * `include` / `exclude` (of the object, or of the objects in an array), and with `excludeUnset` no
 * `default` anywhere, so a field the value does not have is left out rather than filled in. The
 * schema the route declared, and its OpenAPI document, stay as they are (FastAPI documents the full
 * model too).
 */
export function narrowResponseSchema(schema: TSchema, options: ResponseFieldOptions, where: string): TSchema {
  let narrowed = schema;
  if (options.include !== undefined || options.exclude !== undefined) narrowed = pickFields(narrowed, options, where);
  if (options.excludeUnset === true) narrowed = withoutDefaults(narrowed) as TSchema;
  return narrowed;
}

function pickFields(schema: TSchema, options: ResponseFieldOptions, where: string): TSchema {
  if (schema.type === 'array' && isObjectSchema(schema.items)) return { ...schema, items: pickFields(schema.items, options, where) };
  if (!isObjectSchema(schema)) {
    throw new LoopwiseError(
      'LW_ERR_INVALID_ROUTE',
      `responseInclude / responseExclude of ${where} pick fields of an object, but its response schema is not an object (or an array of objects). Declare separate response schemas instead.`,
    );
  }
  const properties = schema.properties as Record<string, TSchema>;
  for (const name of [...(options.include ?? []), ...(options.exclude ?? [])]) {
    if (!Object.hasOwn(properties, name)) {
      throw new LoopwiseError(
        'LW_ERR_INVALID_ROUTE',
        `${where} names the field "${name}" in responseInclude / responseExclude, but its response schema has no such field (it has: ${Object.keys(properties).join(', ')}).`,
      );
    }
  }
  const include = options.include === undefined ? null : new Set(options.include);
  const exclude = new Set(options.exclude ?? []);
  const kept = (name: string): boolean => (include === null || include.has(name)) && !exclude.has(name);
  const picked: TSchema = { ...schema, properties: Object.fromEntries(Object.entries(properties).filter(([name]) => kept(name))) };
  if (Array.isArray(schema.required)) picked.required = (schema.required as string[]).filter(kept);
  return picked;
}

/** A copy with every `default` taken out, and the fields that had one no longer required. */
function withoutDefaults(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDefaults);
  if (typeof value !== 'object' || value === null) return value;
  const schema = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema)) {
    if (key === 'default') continue;
    const item = schema[key];
    if (DATA_KEYWORDS.has(key)) out[key] = item;
    // Maps of names to schemas: a field may be named "default" too.
    else if (SCHEMA_MAPS.has(key) && typeof item === 'object' && item !== null && !Array.isArray(item)) {
      out[key] = Object.fromEntries(Object.entries(item).map(([name, sub]) => [name, withoutDefaults(sub)]));
    } else out[key] = withoutDefaults(item);
  }
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (Array.isArray(schema.required) && typeof properties === 'object' && properties !== null) {
    out.required = (schema.required as string[]).filter((name) => properties[name]?.default === undefined);
  }
  return out;
}

function isObjectSchema(schema: unknown): schema is TSchema & { properties: Record<string, TSchema> } {
  const candidate = schema as { type?: unknown; properties?: unknown } | undefined;
  return candidate?.type === 'object' && typeof candidate.properties === 'object' && candidate.properties !== null;
}
