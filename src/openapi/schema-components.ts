import { isDeepStrictEqual } from 'node:util';
import { Kind, type TSchema } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';
import type { JsonSchema } from './types.js';
import { SetKind } from '../schema/schema-marks.js';
import { constantsAsEnum } from './enum-form.js';

// Keywords whose values are data, not schemas: an example object with a "$id" key stays as it is.
const DATA_KEYWORDS = new Set(['const', 'default', 'enum', 'examples', 'example']);
// TypeBox kinds with no JSON form: documented as what a client sends or sees instead.
const NON_JSON_KINDS: Record<string, JsonSchema> = {
  Date: { type: 'string', format: 'date-time' },
  Uint8Array: { type: 'string', format: 'binary' },
  BigInt: { type: 'integer', format: 'int64' },
};

/**
 * Which side of the wire a schema describes. They differ where a property has a `default`: a
 * client may leave it out of what it sends, and always finds it in what it receives.
 */
export type SchemaUse = 'input' | 'output';

interface Component {
  name: string;
  source: TSchema;
  where: string;
  bodies: Partial<Record<SchemaUse, JsonSchema>>;
  /** Every `$ref` written to it, per use: renamed at the end if the input form needs a name of its own. */
  refs: Record<SchemaUse, JsonSchema[]>;
}

/**
 * Turns TypeBox schemas into OpenAPI 3.1 schemas. A schema the user named (`$id`) is written
 * once, under `components/schemas`, and referenced everywhere it is used. A named schema whose
 * input form differs from its output form (a property with a default) gets a second component,
 * `<name>-Input`, as FastAPI does.
 */
export class SchemaComponents {
  private readonly byName = new Map<string, Component>();
  private readonly bySource = new WeakMap<object, Component>();
  private readonly references = new Map<string, string>();

  /** `where` names the schema's place (e.g. "the body of POST /items") for error messages. */
  convert(schema: TSchema, where: string, use: SchemaUse): JsonSchema {
    return this.walk(schema, where, use) as JsonSchema;
  }

  /**
   * Adds a schema of loopwise's own (such as the 422 error, or a route's `Body_<operationId>`)
   * under a fixed name; `where` names its place for the error when a user's `$id` takes the name.
   */
  define(name: string, schema: JsonSchema, where = 'loopwise'): JsonSchema {
    let component = this.byName.get(name);
    if (component === undefined) {
      component = { name, source: schema as TSchema, where, bodies: { output: schema }, refs: { input: [], output: [] } };
      this.byName.set(name, component);
    } else if (!isDeepStrictEqual(component.source, schema)) {
      throw new LoopwiseError(
        'LW_ERR_OPENAPI',
        `two different schemas are named "${name}": one in ${component.where}, another in ${where}, which loopwise names so itself. Give the schema in ${component.where} another $id.`,
      );
    }
    return this.refTo(component, 'output');
  }

  /** The `components/schemas` object, by name; throws if a `t.Ref` names a schema no route uses. */
  components(): Record<string, JsonSchema> {
    for (const [name, where] of this.references) {
      if (!this.byName.has(name)) {
        throw new LoopwiseError(
          'LW_ERR_OPENAPI',
          `${where} refers to the schema "${name}", but no route uses a schema with $id "${name}". Use the schema itself, or declare it on a route.`,
        );
      }
    }
    const out: Record<string, JsonSchema> = {};
    for (const component of this.byName.values()) {
      const { input, output } = component.bodies;
      if (input !== undefined && output !== undefined && !isDeepStrictEqual(input, output)) {
        out[component.name] = output;
        out[`${component.name}-Input`] = input;
        for (const ref of component.refs.input) ref.$ref = `#/components/schemas/${component.name}-Input`;
      } else {
        out[component.name] = (output ?? input)!;
      }
    }
    return Object.fromEntries(Object.keys(out).sort().map((name) => [name, out[name]!]));
  }

  private walk(value: unknown, where: string, use: SchemaUse): unknown {
    if (Array.isArray(value)) return value.map((item) => this.walk(item, where, use));
    if (typeof value !== 'object' || value === null) return value;
    const schema = value as Record<string | symbol, unknown>;
    if (typeof schema.$id === 'string') return this.named(schema as unknown as TSchema, where, use);
    return this.body(schema, where, use);
  }

  private body(schema: Record<string | symbol, unknown>, where: string, use: SchemaUse): JsonSchema {
    const kind = schema[Kind];
    const replacement = typeof kind === 'string' ? NON_JSON_KINDS[kind] : undefined;
    const out: JsonSchema = replacement === undefined ? {} : { ...replacement };
    for (const key of Object.keys(schema)) {
      const item = schema[key];
      // includeInSchema is loopwise's, for the document builder: no JSON Schema keyword.
      if (key === '$id' || key === '$schema' || key === 'includeInSchema' || (replacement !== undefined && key === 'type')) continue;
      if (key === '$ref' && typeof item === 'string') out.$ref = this.reference(item, where);
      else if (key === 'required' && use === 'input' && Array.isArray(item)) out.required = item.filter((name) => !hasDefault(schema, name));
      else if (DATA_KEYWORDS.has(key)) out[key] = jsonData(item);
      else out[key] = this.walk(item, where, use);
    }
    // t.Set: a set's items are unique once the server has dropped the repeats, as FastAPI documents set[T].
    if (schema[SetKind] === true) out.uniqueItems = true;
    return constantsAsEnum(out);
  }

  private named(schema: TSchema, where: string, use: SchemaUse): JsonSchema {
    let component = this.bySource.get(schema);
    if (component === undefined) {
      const name = componentName(schema.$id!);
      component = this.byName.get(name);
      if (component === undefined) {
        component = { name, source: schema, where, bodies: {}, refs: { input: [], output: [] } };
        this.byName.set(name, component);
      } else if (!sameDocument(component.source, schema)) {
        throw new LoopwiseError(
          'LW_ERR_OPENAPI',
          `two different schemas are named "${name}" ($id "${schema.$id}"): one in ${component.where}, another in ${where}. Give them different $id values, or share one schema object.`,
        );
      }
      this.bySource.set(schema, component);
    }
    const ref = this.refTo(component, use);
    if (component.bodies[use] === undefined) {
      // Set before converting, so a recursive schema's reference to itself ends here.
      component.bodies[use] = {};
      component.bodies[use] = this.body(schema as unknown as Record<string, unknown>, where, use);
    }
    return ref;
  }

  private refTo(component: Component, use: SchemaUse): JsonSchema {
    const ref = { $ref: `#/components/schemas/${component.name}` };
    component.refs[use].push(ref);
    return ref;
  }

  private reference(ref: string, where: string): string {
    if (ref.startsWith('#')) return ref;
    const name = componentName(ref);
    if (!this.references.has(name)) this.references.set(name, where);
    return `#/components/schemas/${name}`;
  }
}

function hasDefault(schema: Record<string | symbol, unknown>, name: string): boolean {
  const property = (schema.properties as Record<string, Record<string, unknown>> | undefined)?.[name];
  return property !== undefined && property.default !== undefined;
}

/** "Item", "schemas/Item.json" or "https://example.com/Item" → "Item": component keys allow [A-Za-z0-9._-]. */
export function componentName(id: string): string {
  const last = id.split(/[/#]/).filter((part) => part !== '').pop() ?? id;
  const name = last.replace(/\.json$/, '').replace(/[^A-Za-z0-9._-]/g, '_');
  return name === '' ? 'Schema' : name;
}

/** Examples and defaults as JSON would carry them (a Date becomes its ISO string). */
function jsonData(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}

/**
 * Whether two schemas document the same: what TypeBox keeps under symbols (`t.Optional`'s mark,
 * a `t.Refine` check) is not in the document, so `Item` and `t.Optional(Item)` share one component.
 */
function sameDocument(a: unknown, b: unknown): boolean {
  return a === b || isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}
