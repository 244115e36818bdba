import type { TSchema } from '@sinclair/typebox';

/**
 * Prepares strings from the URL, headers, cookies and forms for ajv's type coercion, which is
 * looser than FastAPI's: ajv reads " " as 0, "0x10" as 16 and "1e3" as an integer. Strings that
 * pydantic would not parse are replaced by a marker ajv cannot coerce either, so they fail with
 * int_parsing/float_parsing; the caller reports the client's original string as `input`.
 * Booleans accept pydantic's words (yes/no, on/off, 1/0), and a repeated key for a single-value
 * parameter keeps the last value, as FastAPI does.
 */
export type StringCoercion = (data: Record<string, unknown>) => void;

type Kind = 'integer' | 'number' | 'boolean' | 'scalar';

const UNPARSEABLE = '\u0000unparseable';
const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 'on', 't']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'off', 'f']);

export function compileStringCoercion(schema: TSchema): StringCoercion | null {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties;
  if (properties === undefined) return null;
  const scalars: [string, Kind][] = [];
  const lists: [string, Kind][] = [];
  for (const [name, declared] of Object.entries(properties)) {
    // `t.Union([t.Integer(), t.Null()])` (FastAPI's `int | None`) reads its text as the integer would.
    const property = nonNullBranch(declared);
    const type = (property as { type?: unknown }).type;
    if (type === 'array') {
      const item = kindOf((property as { items?: { type?: unknown } }).items?.type);
      if (item !== 'scalar') lists.push([name, item]);
    } else if (typeof type === 'string' || type === undefined) {
      scalars.push([name, kindOf(type)]);
    }
  }
  if (scalars.length === 0 && lists.length === 0) return null;

  // Indexed loops: this runs on every request of a route with declared parameters.
  return (data) => {
    for (let i = 0; i < scalars.length; i++) {
      const [name, kind] = scalars[i]!;
      let value = data[name];
      if (Array.isArray(value)) value = data[name] = value[value.length - 1];
      if (kind !== 'scalar' && typeof value === 'string') data[name] = prepare(value, kind);
    }
    for (let i = 0; i < lists.length; i++) {
      const [name, kind] = lists[i]!;
      const value = data[name];
      if (typeof value === 'string') data[name] = prepare(value, kind);
      // A new array, so the caller's copy of the raw values keeps the client's strings.
      else if (Array.isArray(value)) data[name] = value.map((item) => (typeof item === 'string' ? prepare(item, kind) : item));
    }
  };
}

/**
 * Restores `null` for fields the client left out whose default is null (FastAPI's `q: str | None
 * = None`): ajv fills the default in, then its type coercion turns that null into the first
 * branch's type ("" for a string, 0 for a number, false for a boolean). A query string or a form
 * never carries a null, so a null default is the only null these parts can hold. Null (nothing to
 * do) for a schema without such a field; otherwise run on valid data only, with the client's copy.
 */
export type NullDefaults = (data: Record<string, unknown>, sent: Record<string, unknown>) => void;

export function compileNullDefaults(schema: TSchema): NullDefaults | null {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties;
  if (properties === undefined) return null;
  const names = Object.keys(properties).filter((name) => (properties[name] as { default?: unknown }).default === null);
  if (names.length === 0) return null;
  return (data, sent) => {
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      if (!Object.hasOwn(sent, name)) data[name] = null;
    }
  };
}

/** The branch that is not null of a two-branch nullable union; the schema itself otherwise. */
function nonNullBranch(schema: TSchema): TSchema {
  const branches = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!Array.isArray(branches) || branches.length !== 2) return schema;
  const [a, b] = branches as [TSchema, TSchema];
  if ((b as { type?: unknown }).type === 'null') return a;
  if ((a as { type?: unknown }).type === 'null') return b;
  return schema;
}

function kindOf(type: unknown): Kind {
  return type === 'integer' || type === 'number' || type === 'boolean' ? type : 'scalar';
}

function prepare(value: string, kind: Kind): string {
  switch (kind) {
    case 'integer':
      return INTEGER.test(value) ? value : UNPARSEABLE;
    case 'number':
      return NUMBER.test(value) ? value : UNPARSEABLE;
    case 'boolean': {
      const word = value.toLowerCase();
      return TRUE_WORDS.has(word) ? 'true' : FALSE_WORDS.has(word) ? 'false' : UNPARSEABLE;
    }
    default:
      return value;
  }
}
