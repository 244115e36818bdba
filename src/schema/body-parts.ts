import { Kind, OptionalKind, Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';
import type { PartValidator } from './validator.js';
import type { ValidationIssue } from './validation-issue.js';

/**
 * A body declared as named parts, `body: { item: Item, user: User, importance: t.Integer() }`:
 * the JSON body is an object with one key per part, as FastAPI nests several body parameters (or
 * one with `Body(embed=True)`) under their names. A part may be `t.Optional(...)` or have a
 * `default`; the others are required.
 */
export type BodyParts = TProperties;

/** Whether a route's `body` is named parts rather than one schema: every TypeBox schema carries `[Kind]`. */
export function isBodyParts(body: TSchema | BodyParts): body is BodyParts {
  return typeof body === 'object' && body !== null && !(Kind in body);
}

/** Whether a part may be left out of the body: `t.Optional(...)`, or with a `default` the server fills in. */
export function isOmittablePart(part: TSchema): boolean {
  return (part as unknown as Record<symbol, unknown>)[OptionalKind] === 'Optional' || part.default !== undefined;
}

/** Refuses, at startup, a `body` that is neither one schema nor an object of schemas. */
export function checkBodyParts(parts: BodyParts, route: string): void {
  const names = Object.keys(parts);
  if (names.length === 0) {
    throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `the body of ${route} names no parts; declare one schema (body: t.Object({ ... })) or one part per key (body: { item: Item }).`);
  }
  for (const name of names) {
    const part: unknown = parts[name];
    if (typeof part !== 'object' || part === null || !(Kind in part)) {
      throw new LoopwiseError(
        'LW_ERR_INVALID_ROUTE',
        `the body of ${route} is an object of named parts, but its part "${name}" is not a schema; build each part with t (body: { ${name}: t.Object({ ... }) }), or give the whole body one schema built with t.`,
      );
    }
  }
}

/**
 * The one object schema that validates every part in a single pass. A named schema used by two
 * parts (`{ old: Item, new: Item }`) keeps its `$id` on the first only: ajv refuses one `$id` on
 * two schemas of a document, and a `$ref` to it still finds the first.
 */
export function partsSchema(parts: BodyParts): TObject {
  const seen = new Set<string>();
  const properties: TProperties = {};
  for (const [name, part] of Object.entries(parts)) {
    const id = part.$id;
    if (typeof id === 'string' && seen.has(id)) {
      const { $id: _dropped, ...rest } = part;
      properties[name] = rest as TSchema;
    } else {
      if (typeof id === 'string') seen.add(id);
      properties[name] = part;
    }
  }
  return Type.Object(properties);
}

/** Checks a named-parts body; the result's `value` is what the handler gets as `body`. */
export type PartsCheck = (body: unknown, validate: PartValidator) => { value: unknown; issues: ValidationIssue[] };

/**
 * FastAPI's answers for a body of named parts (its request_body_to_args), around one validation
 * of the whole object by `validate` (so lax and strict rules are the single body's):
 * - no body, or JSON `null`: each required part is missing, the others take their defaults;
 * - a body that is not an object (a list, a string, a number): every part is missing, even an
 *   optional one, as FastAPI reports it;
 * - a part sent as `null` counts as not sent (FastAPI treats None so);
 * - a missing part quotes `input: null`, not the whole body (Pydantic's input for a missing field);
 * - issues come in the order the parts are declared, each part's own together.
 */
export function compilePartsCheck(parts: BodyParts): PartsCheck {
  const names = Object.keys(parts);
  const order = new Map(names.map((name, index) => [name, index]));

  function everyPartMissing(): ValidationIssue[] {
    return names.map((name) => ({ type: 'missing', loc: ['body', name], msg: 'Field required', input: null }));
  }

  return function checkParts(body, validate) {
    let value = body;
    if (value === undefined || value === null) value = {};
    else if (typeof value !== 'object' || Array.isArray(value)) return { value, issues: everyPartMissing() };
    const object = value as Record<string, unknown>;
    for (const name of names) if (object[name] === null) delete object[name];
    const found = validate(object);
    if (found === null) return { value: object, issues: [] };
    return { value: object, issues: asFastApiReports(found, order) };
  };
}

/** On the failure path only: a missing part quotes null, and the issues follow the parts' order. */
function asFastApiReports(issues: ValidationIssue[], order: Map<string, number>): ValidationIssue[] {
  for (const issue of issues) {
    if (issue.type === 'missing' && issue.loc.length === 2 && order.has(String(issue.loc[1]))) issue.input = null;
  }
  // Stable: within one part, the validator's own order; issues about no part (too_many_errors) last.
  const rank = (issue: ValidationIssue): number => (issue.loc.length > 1 ? (order.get(String(issue.loc[1])) ?? order.size) : order.size);
  return issues.map((issue, index) => ({ issue, index })).sort((a, b) => rank(a.issue) - rank(b.issue) || a.index - b.index).map((entry) => entry.issue);
}
