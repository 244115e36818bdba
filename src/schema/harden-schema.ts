/**
 * The copy of a request schema that ajv compiles, changed in two ways for untrusted input (the
 * route's own schema, which OpenAPI documents, is left as it is):
 *
 * - Integers are bounded to ±(2^53 − 1). JSON.parse rounds a larger literal to the nearest
 *   double (9007199254740993 becomes …992), so the handler would get a number the client never
 *   sent; outside the safe range the answer is 422 `less_than_equal`/`greater_than_equal` instead.
 * - An array with `maxItems` checks its length before its items: the item keywords move under
 *   `if: {maxItems}` / `then`. With ajv's allErrors, a 400 KB array of 200 000 wrong items against
 *   `maxItems: 100` would otherwise produce 200 000 errors (seconds of CPU, a 20 MB answer); now it
 *   is one `too_long`, as pydantic reports it.
 *
 * A schema that needs neither is returned as it is; copies are made once per schema object.
 */
export function hardenSchema<T>(schema: T): T {
  return node(schema) as T;
}

const MAX = Number.MAX_SAFE_INTEGER;
const MIN = Number.MIN_SAFE_INTEGER;

/** Keywords whose value is one schema, a list of schemas, or a map of names to schemas. */
const ONE = ['additionalItems', 'additionalProperties', 'contains', 'not', 'if', 'then', 'else', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties'];
const LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
/** What an array's length gates: the keywords that look at every item. */
const PER_ITEM = ['items', 'prefixItems', 'additionalItems', 'contains', 'minContains', 'maxContains', 'uniqueItems', 'unevaluatedItems'];

const done = new WeakMap<object, unknown>();

function node(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  const known = done.get(schema);
  if (known !== undefined) return known;
  const source = schema as Record<string | symbol, unknown>;
  // Own symbols too: TypeBox marks its schemas with them.
  const copy: Record<string | symbol, unknown> = {};
  let changed = false;
  for (const key of Reflect.ownKeys(source)) {
    const value = source[key];
    let next = value;
    if (key === 'items') next = Array.isArray(value) ? list(value) : node(value);
    else if (typeof key === 'string' && ONE.includes(key)) next = node(value);
    else if (typeof key === 'string' && LIST.includes(key)) next = list(value);
    else if (typeof key === 'string' && MAP.includes(key)) next = map(value);
    if (next !== value) changed = true;
    copy[key] = next;
  }
  if (isInteger(copy)) changed = boundToSafeRange(copy) || changed;
  if (typeof copy.maxItems === 'number' && !('if' in copy) && !('then' in copy) && !('else' in copy) && PER_ITEM.some((key) => key in copy)) {
    const then: Record<string, unknown> = {};
    for (const key of PER_ITEM) {
      if (!(key in copy)) continue;
      then[key] = copy[key];
      delete copy[key];
    }
    copy.if = { maxItems: copy.maxItems };
    copy.then = then;
    changed = true;
  }
  const result = changed ? copy : schema;
  done.set(schema, result);
  return result;
}

function list(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const next = value.map(node);
  return next.some((item, i) => item !== value[i]) ? next : value;
}

function map(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const source = value as Record<string, unknown>;
  let changed = false;
  const copy: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(source)) {
    copy[name] = node(schema);
    if (copy[name] !== schema) changed = true;
  }
  return changed ? copy : value;
}

function isInteger(schema: Record<string | symbol, unknown>): boolean {
  const type = schema.type;
  return type === 'integer' || (Array.isArray(type) && type.includes('integer'));
}

/** Adds the safe range's bounds where the schema's own are missing or wider; true when it changed something. */
function boundToSafeRange(schema: Record<string | symbol, unknown>): boolean {
  let changed = false;
  const { maximum, exclusiveMaximum, minimum, exclusiveMinimum } = schema;
  if (!(typeof maximum === 'number' && maximum <= MAX) && !(typeof exclusiveMaximum === 'number' && exclusiveMaximum <= MAX + 1)) {
    schema.maximum = MAX;
    changed = true;
  }
  if (!(typeof minimum === 'number' && minimum >= MIN) && !(typeof exclusiveMinimum === 'number' && exclusiveMinimum >= MIN - 1)) {
    schema.minimum = MIN;
    changed = true;
  }
  return changed;
}
