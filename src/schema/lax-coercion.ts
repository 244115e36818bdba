import { NOT_CONVERTED, laxBoolean, laxInteger, laxNumber, type Converted } from './lax-scalars.js';

/**
 * Pydantic's lax mode for a JSON body that failed exact validation: walks the value guided by the
 * schema and converts each scalar whose type the schema refuses but Pydantic would convert
 * (lax-scalars.ts). Objects and arrays are changed in place; the (possibly new) root is returned.
 * Values of the right type are never touched, nor literals (`const`/`enum`: Pydantic matches
 * those exactly), so a valid body never reaches here and a coerced one validates as Pydantic's would.
 *
 * The work is linear in the body: a union is followed into one branch only (the one the value's
 * shape picks, below), and an object or array is walked at most once per schema node, however
 * many `allOf` members or `$ref`s lead to it, so the cost is at most (body size × schema size),
 * and the schema is the route's. Schema-only cycles (`$ref` to `$ref`) stop at MAX_SCHEMA_HOPS.
 */
export type LaxCoercion = (value: unknown) => unknown;

type Schema = Record<string, unknown>;
type TypeName = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'object' | 'array';

/** How many schemas in a row (`$ref`, `allOf`, `anyOf`) may be followed without descending into the value. */
const MAX_SCHEMA_HOPS = 32;
/** Schema nodes one scalar may be checked against (unions of unions, `$ref` loops): past it, it is left as sent. */
const MAX_SCALAR_STEPS = 256;

export function compileLaxCoercion(root: unknown): LaxCoercion {
  const ids = schemaIds(root);
  const patterns = new Map<string, RegExp | null>();
  let scalarSteps = 0;
  const convertible = new Map<Schema, boolean>();

  /**
   * Whether anything below this schema node is a number, integer or boolean, the only types lax
   * mode converts to: a subtree without one (an array of strings) is not walked at all.
   */
  function mayConvert(schema: Schema): boolean {
    let known = convertible.get(schema);
    if (known === undefined) convertible.set(schema, (known = reaches(schema)));
    return known;
  }

  /** A search of the schema graph from one node ($refs followed once each): the route's schema, never the body. */
  function reaches(start: Schema): boolean {
    const stack: unknown[] = [start];
    const visited = new Set<unknown>();
    while (stack.length > 0) {
      const schema = resolve(stack.pop());
      if (schema === null || visited.has(schema)) continue;
      visited.add(schema);
      const types = typesOf(schema);
      if (types !== null && types.some((type) => type === 'integer' || type === 'number' || type === 'boolean')) return true;
      for (const [key, child] of Object.entries(schema)) {
        if (key === 'const' || key === 'enum' || key === 'default' || key === 'examples') continue;
        if (Array.isArray(child)) stack.push(...child);
        else if (isSchema(child)) stack.push(child, ...Object.values(child));
      }
    }
    return false;
  }

  function resolve(schema: unknown): Schema | null {
    let current = schema;
    for (let hop = 0; hop < MAX_SCHEMA_HOPS; hop++) {
      if (!isSchema(current)) return null;
      const ref = current.$ref;
      if (typeof ref !== 'string') return current;
      current = ref === '#' ? root : (ids.get(ref) ?? pointer(root, ref));
    }
    return null;
  }

  function pattern(source: string): RegExp | null {
    let compiled = patterns.get(source);
    if (compiled === undefined) {
      try {
        compiled = new RegExp(source, 'u');
      } catch {
        compiled = null;
      }
      patterns.set(source, compiled);
    }
    return compiled;
  }

  /** Whether the scalar passes the schema's type and literal checks as it is (other constraints aside). */
  function accepts(value: unknown, given: unknown, hops: number): boolean {
    const schema = resolve(given);
    if (schema === null || hops > MAX_SCHEMA_HOPS || ++scalarSteps > MAX_SCALAR_STEPS) return true;
    if ('const' in schema && !Object.is(schema.const, value) && schema.const !== value) return false;
    if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return false;
    const types = typesOf(schema);
    if (types !== null && !types.some((type) => hasType(value, type))) return false;
    const union = branchesOf(schema);
    if (union !== null && !union.some((branch) => accepts(value, branch, hops + 1))) return false;
    return !Array.isArray(schema.allOf) || schema.allOf.every((member) => accepts(value, member, hops + 1));
  }

  function scalar(value: unknown, given: unknown, hops: number): unknown {
    const schema = resolve(given);
    if (schema === null || hops > MAX_SCHEMA_HOPS || ++scalarSteps > MAX_SCALAR_STEPS) return value;
    // Literals match exactly in Pydantic: "1" is not Literal[1].
    if ('const' in schema || Array.isArray(schema.enum)) return value;
    const union = branchesOf(schema);
    if (union !== null) {
      // Pydantic's smart union: a branch the value fits as it is wins; else the first that converts it.
      if (!union.some((branch) => accepts(value, branch, hops + 1))) {
        for (const branch of union) {
          const converted = scalar(value, branch, hops + 1);
          if (converted !== value) {
            value = converted;
            break;
          }
        }
      }
    }
    if (Array.isArray(schema.allOf)) for (const member of schema.allOf) value = scalar(value, member, hops + 1);
    const types = typesOf(schema);
    if (types === null || types.some((type) => hasType(value, type))) return value;
    for (const type of types) {
      const converted = convert(value, type);
      if (converted !== NOT_CONVERTED) return converted;
    }
    return value;
  }

  function walk(value: unknown, given: unknown, seen: Map<object, unknown>, hops: number): unknown {
    if (typeof value !== 'object' || value === null) {
      scalarSteps = 0;
      return scalar(value, given, hops);
    }
    const schema = resolve(given);
    if (schema === null || hops > MAX_SCHEMA_HOPS || !mayConvert(schema) || walked(seen, value, schema)) return value;
    if (Array.isArray(schema.allOf)) for (const member of schema.allOf) walk(value, member, seen, hops + 1);
    const union = branchesOf(schema);
    if (union !== null) {
      const branch = pickBranch(value, union);
      if (branch !== null) walk(value, branch, seen, hops + 1);
    }
    if (Array.isArray(value)) walkItems(value, schema, seen);
    else walkProperties(value as Record<string, unknown>, schema, seen);
    return value;
  }

  function walkItems(items: unknown[], schema: Schema, seen: Map<object, unknown>): void {
    const { items: itemSchema, additionalItems } = schema;
    const tuple = Array.isArray(itemSchema) ? itemSchema : null;
    for (let i = 0; i < items.length; i++) {
      const sub = tuple === null ? itemSchema : i < tuple.length ? tuple[i] : additionalItems;
      if (!isSchema(sub)) continue;
      const item = items[i];
      const next = walk(item, sub, seen, 0);
      if (next !== item) items[i] = next;
    }
  }

  function walkProperties(object: Record<string, unknown>, schema: Schema, seen: Map<object, unknown>): void {
    const properties = isSchema(schema.properties) ? schema.properties : null;
    const patternProperties = isSchema(schema.patternProperties) ? Object.entries(schema.patternProperties) : null;
    const additional = isSchema(schema.additionalProperties) ? schema.additionalProperties : null;
    if (properties === null && patternProperties === null && additional === null) return;
    // Only declared properties can be converted: their names, not the body's (maybe 90 000) keys.
    const keys = patternProperties === null && additional === null ? Object.keys(properties!).filter((key) => Object.hasOwn(object, key)) : Object.keys(object);
    for (const key of keys) {
      if (key === '__proto__') continue;
      let sub: unknown = properties !== null && Object.hasOwn(properties, key) ? properties[key] : undefined;
      if (sub === undefined && patternProperties !== null) sub = patternProperties.find(([source]) => pattern(source)?.test(key) === true)?.[1];
      sub ??= additional ?? undefined;
      if (!isSchema(sub)) continue;
      const item = object[key];
      const next = walk(item, sub, seen, 0);
      if (next !== item) object[key] = next;
    }
  }

  /**
   * The one branch of a union an object or array is coerced toward: among the branches of its
   * kind, the first whose literal fields (a discriminator) all match and whose required keys are
   * all present, else the first whose literals match, else the first of its kind.
   */
  function pickBranch(value: object, branches: unknown[]): Schema | null {
    const kind: TypeName = Array.isArray(value) ? 'array' : 'object';
    const candidates: Schema[] = [];
    for (const branch of branches) {
      const schema = resolve(branch);
      if (schema === null) continue;
      const types = typesOf(schema);
      if (types === null || types.includes(kind)) candidates.push(schema);
    }
    if (candidates.length <= 1 || kind === 'array') return candidates[0] ?? null;
    const object = value as Record<string, unknown>;
    const literalsMatch = candidates.filter((schema) => literalsOf(schema).every(([key, literal]) => Object.is(object[key], literal)));
    const complete = literalsMatch.find((schema) => !Array.isArray(schema.required) || schema.required.every((key) => typeof key === 'string' && Object.hasOwn(object, key)));
    return complete ?? literalsMatch[0] ?? candidates[0]!;
  }

  function literalsOf(schema: Schema): [string, unknown][] {
    if (!isSchema(schema.properties)) return [];
    const literals: [string, unknown][] = [];
    for (const [key, property] of Object.entries(schema.properties)) {
      const resolved = resolve(property);
      if (resolved !== null && 'const' in resolved) literals.push([key, resolved.const]);
    }
    return literals;
  }

  return (value) => walk(value, root, new Map(), 0);
}

/** True when this object was already walked with this schema; records it otherwise. */
function walked(seen: Map<object, unknown>, value: object, schema: Schema): boolean {
  const before = seen.get(value);
  if (before === undefined) {
    seen.set(value, schema);
    return false;
  }
  if (before === schema) return true;
  if (before instanceof Set) {
    if (before.has(schema)) return true;
    before.add(schema);
    return false;
  }
  seen.set(value, new Set([before, schema]));
  return false;
}

function convert(value: unknown, type: TypeName): Converted<unknown> {
  switch (type) {
    case 'integer':
      return laxInteger(value);
    case 'number':
      return laxNumber(value);
    case 'boolean':
      return laxBoolean(value);
    default:
      // Strings, null, objects and arrays: Pydantic converts nothing to them from JSON.
      return NOT_CONVERTED;
  }
}

function hasType(value: unknown, type: TypeName): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

function typesOf(schema: Schema): TypeName[] | null {
  const { type } = schema;
  if (typeof type === 'string') return [type as TypeName];
  return Array.isArray(type) ? (type as TypeName[]) : null;
}

function branchesOf(schema: Schema): unknown[] | null {
  if (Array.isArray(schema.anyOf)) return schema.anyOf;
  return Array.isArray(schema.oneOf) ? schema.oneOf : null;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every `$id` inside the schema (TypeBox's `t.Recursive` and `t.Ref` name their targets so). */
function schemaIds(root: unknown): Map<string, unknown> {
  const ids = new Map<string, unknown>();
  const stack = [root];
  const visited = new Set<object>();
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null || visited.has(node)) continue;
    visited.add(node);
    const id = (node as { $id?: unknown }).$id;
    if (typeof id === 'string' && !ids.has(id)) ids.set(id, node);
    for (const child of Object.values(node)) stack.push(child);
  }
  return ids;
}

/** "#/$defs/Item" inside the root; undefined when the reference points elsewhere. */
function pointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node = root;
  for (const segment of ref.slice(2).split('/')) {
    if (!isSchema(node)) return undefined;
    node = node[segment.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}
