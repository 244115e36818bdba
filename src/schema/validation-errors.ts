import type { ErrorObject } from 'ajv';
import { boundedInput, boundedKey } from './bounded-input.js';
import type { ValidationLimits } from './validation-limits.js';
import type { RequestPart, ValidationIssue } from './validation-issue.js';
import { type FailedUnion, type Placement, type UnionForm, placeError, unionForm, withTags } from './union-branches.js';
import { isUrlSchema, urlParsing, urlTooLong } from './url-errors.js';

/**
 * Translates ajv's errors into FastAPI's (pydantic v2's) error entries, so clients written
 * against FastAPI read loopwise's 422 responses unchanged. At most `limits.maxIssues` are listed,
 * then one `too_many_errors` entry says how many more there were (or that there were more, when
 * the error budget of error-budget.ts stopped ajv looking: `incomplete`). Each `input` and `loc`
 * key is cut to `limits.maxInputLength` (bounded-input.ts).
 */
/** How many (error, union) pairs a 422 may weigh to place errors in their unions' branches (about 50 ms). */
const MAX_PLACEMENTS = 500_000;

export function toValidationIssues(
  errors: ErrorObject[],
  part: RequestPart,
  root: unknown,
  schema: unknown,
  limits: ValidationLimits,
  incomplete = false,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const unions = new Map<ErrorObject, FailedUnion>();
  // Placing errors in their unions costs errors × unions. ajv's errors can outgrow the error budget
  // (a recursive union whose branches descend into the same value: thousands from a 30-byte
  // body), and then that product would block the loop for seconds: past MAX_PLACEMENTS, each
  // union is reported as one union_error, unanalysed.
  let unionCount = 0;
  for (const error of errors) if (error.keyword === 'anyOf' || error.keyword === 'oneOf') unionCount++;
  const analysed = errors.length * unionCount <= MAX_PLACEMENTS ? errors : [];
  for (const error of analysed) {
    if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') continue;
    unions.set(error, { error, form: unionForm(schemaAt(schema, error.schemaPath), schemaAt(schema, parentPath(error.schemaPath))), kept: 0 });
  }
  const failed = [...unions.values()];
  // Placed first: whether a union gets an entry of its own depends on what survives inside it.
  const placements = new Map<ErrorObject, Placement>();
  if (failed.length > 0) for (const error of errors) if (!unions.has(error)) placements.set(error, placeError(error, failed));
  const quoted = new Map<object, unknown>();
  let omitted = 0;
  const firstFailed = firstConstraintFailures(errors);
  for (const error of errors) {
    // harden-schema.ts's `if/then` around an array's items: the items' own errors say it.
    if (error.keyword === 'if') continue;
    // Pydantic checks a value's constraints in a fixed order and stops at the first that fails: one issue.
    if (firstFailed !== null && !isFirstFailure(error, firstFailed)) continue;
    const placement = placements.get(error);
    if (placement !== undefined && !placement.keep) continue;
    const union = unions.get(error);
    // A union whose branches' errors are reported needs no entry of its own (pydantic gives none).
    if (union !== undefined && union.form.kind === 'branches' && union.kept > 0) continue;
    // Only inside a union too: a constants union's entry says it for them.
    if (union !== undefined && failed.some((u) => u !== union && u.form.kind === 'constants' && isInside(error, u.error))) continue;
    const issue = toIssue(error, part, root, schema, union?.form) ?? (errors.length === 1 ? plainIssue(error, part, root) : null);
    if (issue === null) continue;
    if (issues.length >= limits.maxIssues) {
      omitted++;
      continue;
    }
    if (placement !== undefined && placement.keep) issue.loc = withTags(issue.loc, placement.tags);
    issue.input = boundedInput(issue.input, limits.maxInputLength, quoted);
    if (issue.loc.some((key) => typeof key === 'string' && key.length > limits.maxInputLength)) {
      issue.loc = issue.loc.map((key) => boundedKey(key, limits.maxInputLength));
    }
    issues.push(issue);
  }
  if (omitted > 0 || incomplete) issues.push(tooManyErrors(part, limits.maxIssues, incomplete ? null : omitted));
  return issues;
}

/** The last entry when some were left out: FastAPI's shape, with the count when it is known. */
export function tooManyErrors(part: RequestPart, limit: number, omitted: number | null): ValidationIssue {
  const what = omitted === null ? 'More errors were' : `${omitted} more error${omitted === 1 ? ' was' : 's were'}`;
  return {
    type: 'too_many_errors',
    loc: [part],
    msg: `${what} left out: at most ${limit} are listed per request part`,
    input: null,
    ctx: omitted === null ? { limit } : { limit, omitted },
  };
}

function isInside(error: ErrorObject, union: ErrorObject): boolean {
  return error.schemaPath.startsWith(`${union.schemaPath}/`);
}

/** "#/properties/kind/anyOf" → "#/properties/kind": the schema that holds a keyword. */
function parentPath(schemaPath: string): string {
  return schemaPath.slice(0, schemaPath.lastIndexOf('/'));
}

/** One ajv error as pydantic's entry; null when another entry of the same value says it already. */
function toIssue(error: ErrorObject, part: RequestPart, root: unknown, schema: unknown, union: UnionForm | undefined): ValidationIssue | null {
  const path = pointerToPath(error.instancePath);
  const input = valueAt(root, path);
  const params = error.params as Record<string, unknown>;
  const loc = [part, ...path];
  // A URL's length and syntax read as pydantic's URL errors (url-errors.ts).
  if ((error.keyword === 'format' || error.keyword === 'minLength' || error.keyword === 'maxLength') && typeof input === 'string') {
    const holder = schemaAt(schema, parentPath(error.schemaPath)) as { maxLength?: unknown; minLength?: unknown } | undefined;
    if (isUrlSchema(holder)) {
      if (error.keyword === 'maxLength') return urlTooLong(loc, input, params.limit);
      // One entry per value, as pydantic checks the length, then the syntax: "" is `input is empty` once.
      if (error.keyword === 'minLength') return input === '' ? urlParsing(loc, input) : stringTooShort(params.limit, loc, input);
      const tooLong = typeof holder!.maxLength === 'number' && input.length > holder!.maxLength;
      const emptyCaught = input === '' && typeof holder!.minLength === 'number' && holder!.minLength > 0;
      return tooLong || emptyCaught ? null : urlParsing(loc, input);
    }
  }

  switch (error.keyword) {
    case 'required': {
      const name = String(params.missingProperty);
      return { type: 'missing', loc: [...loc, name], msg: 'Field required', input: part === 'body' ? input : null };
    }
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      return { type: 'extra_forbidden', loc: [...loc, name], msg: 'Extra inputs are not permitted', input: valueAt(input, [name]) };
    }
    case 'false schema':
      // error-budget.ts's `additionalProperties: { loopwiseBudgeted: false }`: the error is at the key itself.
      if (/\/additionalProperties\/loopwiseBudgeted\/false schema$/.test(error.schemaPath)) {
        return { type: 'extra_forbidden', loc, msg: 'Extra inputs are not permitted', input };
      }
      return { type: error.keyword, loc, msg: capitalize(error.message ?? 'Invalid input'), input };
    case 'type': {
      // A literal's `type` beside its `const` (TypeBox writes both): its literal_error says it, as pydantic's one entry.
      const holder = schemaAt(schema, parentPath(error.schemaPath));
      if (typeof holder === 'object' && holder !== null && ('const' in holder || 'enum' in holder)) return null;
      return typeIssue(params.type, loc, input);
    }
    case 'minimum':
      return bound('greater_than_equal', 'greater than or equal to', 'ge', params.limit, loc, input);
    case 'exclusiveMinimum':
      return bound('greater_than', 'greater than', 'gt', params.limit, loc, input);
    case 'maximum':
      return bound('less_than_equal', 'less than or equal to', 'le', params.limit, loc, input);
    case 'exclusiveMaximum':
      return bound('less_than', 'less than', 'lt', params.limit, loc, input);
    case 'multipleOf':
      return { type: 'multiple_of', loc, msg: `Input should be a multiple of ${params.multipleOf}`, input, ctx: { multiple_of: params.multipleOf } };
    case 'minLength':
      return stringTooShort(params.limit, loc, input);
    case 'maxLength':
      return { type: 'string_too_long', loc, msg: `String should have at most ${count(params.limit, 'character')}`, input, ctx: { max_length: params.limit } };
    case 'pattern':
      return { type: 'string_pattern_mismatch', loc, msg: `String should match pattern '${params.pattern}'`, input, ctx: { pattern: params.pattern } };
    case 'format':
      return { type: 'value_error', loc, msg: `Value error, input is not a valid ${params.format}`, input, ctx: { format: params.format } };
    case 'minItems':
      return listLength('too_short', 'at least', params.limit, loc, input);
    case 'maxItems':
      return listLength('too_long', 'at most', params.limit, loc, input);
    case 'enum':
      // A schema's own `enum` list is a Python Enum's form (the FastAPI one): type `enum`.
      return literal(params.allowedValues as unknown[], loc, input, 'enum');
    case 'const':
      return literal([params.allowedValue], loc, input, 'literal_error');
    case 'anyOf':
    case 'oneOf':
      return unionIssue(union, loc, input);
    default:
      return { type: error.keyword, loc, msg: capitalize(error.message ?? 'Invalid input'), input };
  }
}

function typeIssue(expected: unknown, loc: (string | number)[], input: unknown): ValidationIssue {
  const type = Array.isArray(expected) ? expected.filter((t) => t !== 'null')[0] : expected;
  const fromString = typeof input === 'string';
  // JSON's 1e400 parses to Infinity: a number, but not one JSON can carry back (it would be null).
  if ((type === 'integer' || type === 'number') && typeof input === 'number' && !Number.isFinite(input)) {
    return { type: 'finite_number', loc, msg: 'Input should be a finite number', input };
  }
  switch (type) {
    case 'integer':
      if (fromString) return { type: 'int_parsing', loc, msg: 'Input should be a valid integer, unable to parse string as an integer', input };
      if (typeof input === 'number') return { type: 'int_from_float', loc, msg: 'Input should be a valid integer, got a number with a fractional part', input };
      return { type: 'int_type', loc, msg: 'Input should be a valid integer', input };
    case 'number':
      if (fromString) return { type: 'float_parsing', loc, msg: 'Input should be a valid number, unable to parse string as a number', input };
      return { type: 'float_type', loc, msg: 'Input should be a valid number', input };
    case 'boolean':
      if (fromString) return { type: 'bool_parsing', loc, msg: 'Input should be a valid boolean, unable to interpret input', input };
      return { type: 'bool_type', loc, msg: 'Input should be a valid boolean', input };
    case 'string':
      return { type: 'string_type', loc, msg: 'Input should be a valid string', input };
    case 'object':
      return { type: 'model_attributes_type', loc, msg: 'Input should be a valid dictionary or object to extract fields from', input };
    case 'array':
      return { type: 'list_type', loc, msg: 'Input should be a valid list', input };
    case 'null':
      return { type: 'none_required', loc, msg: 'Input should be null', input };
    default:
      return { type: `${type}_type`, loc, msg: `Input should be of type ${type}`, input };
  }
}

function bound(type: string, words: string, key: string, limit: unknown, loc: (string | number)[], input: unknown): ValidationIssue {
  return { type, loc, msg: `Input should be ${words} ${limit}`, input, ctx: { [key]: limit } };
}

function listLength(type: string, words: string, limit: unknown, loc: (string | number)[], input: unknown): ValidationIssue {
  const actual = Array.isArray(input) ? input.length : 0;
  return {
    type,
    loc,
    msg: `List should have ${words} ${count(limit, 'item')} after validation, not ${actual}`,
    input,
    ctx: { field_type: 'List', [type === 'too_short' ? 'min_length' : 'max_length']: limit, actual_length: actual },
  };
}

/** A lone error another one would have said (a first-error validator stops before it): its plain form. */
function plainIssue(error: ErrorObject, part: RequestPart, root: unknown): ValidationIssue {
  const path = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const input = valueAt(root, path);
  if (error.keyword === 'type') return typeIssue(params.type, [part, ...path], input);
  return urlParsing([part, ...path], input);
}

function stringTooShort(limit: unknown, loc: (string | number)[], input: unknown): ValidationIssue {
  return { type: 'string_too_short', loc, msg: `String should have at least ${count(limit, 'character')}`, input, ctx: { min_length: limit } };
}

/** Pydantic's Enum (`enum`) and Literal (`literal_error`) entries share the message: the allowed values, listed. */
function literal(allowed: unknown[], loc: (string | number)[], input: unknown, type: 'enum' | 'literal_error'): ValidationIssue {
  const expected = listWords(allowed.map((v) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v))));
  return { type, loc, msg: `Input should be ${expected}`, input, ctx: { expected } };
}

/** A union's own entry: its constants listed, or (its branches' errors cut by the budget) that it matched none. */
function unionIssue(form: UnionForm | undefined, loc: (string | number)[], input: unknown): ValidationIssue {
  if (form?.kind === 'constants') return literal(form.values, loc, input, form.enumType ? 'enum' : 'literal_error');
  const branches = form?.kind === 'branches' ? form.branches.length : 0;
  return { type: 'union_error', loc, msg: `Input should match one of ${branches} allowed shapes`, input };
}

function listWords(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function count(n: unknown, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "/items/0/name" → ["items", 0, "name"], unescaping JSON Pointer's ~1 and ~0. */
export function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => {
      const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^(0|[1-9]\d*)$/.test(key) ? Number(key) : key;
    });
}

/** Follows ajv's schemaPath ("#/properties/kind/anyOf") inside the route's own schema. */
function schemaAt(schema: unknown, schemaPath: string): unknown {
  return valueAt(schema, pointerToPath(schemaPath.replace(/^#/, '')));
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let value = root;
  for (const key of path) {
    // A lone query (or header, cookie, form) value is coerced to a one-item list after the raw
    // copy was taken: its item 0 is the string itself. Without this, `?tags=<too long>` was
    // answered with an issue at ["query","tags",0] that had no `input` at all.
    if (key === 0 && typeof value === 'string') continue;
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value ?? null;
}

/**
 * pydantic-core's order of a value's constraints, checked one after another until one fails: a
 * string's lengths, then its pattern; a number's multiple_of, le, lt, ge, gt.
 */
const CONSTRAINT_RANK: ReadonlyMap<string, number> = new Map([
  ['minLength', 0],
  ['maxLength', 1],
  ['pattern', 2],
  ['multipleOf', 0],
  ['maximum', 1],
  ['exclusiveMaximum', 2],
  ['minimum', 3],
  ['exclusiveMinimum', 4],
]);

/** The same value under the same schema: its instance path and the schema path of the keyword's object. */
function keyOf(error: ErrorObject): string {
  return `${error.instancePath}\u0000${parentPath(error.schemaPath)}`;
}

/** Per value, the rank of the first of its constraints that failed; null when no value failed two (nothing to drop). */
function firstConstraintFailures(errors: ErrorObject[]): Map<string, number> | null {
  const first = new Map<string, number>();
  let failures = 0;
  for (const error of errors) {
    const rank = CONSTRAINT_RANK.get(error.keyword);
    if (rank === undefined) continue;
    failures++;
    const key = keyOf(error);
    const best = first.get(key);
    if (best === undefined || rank < best) first.set(key, rank);
  }
  return first.size < failures ? first : null;
}

function isFirstFailure(error: ErrorObject, first: Map<string, number>): boolean {
  const rank = CONSTRAINT_RANK.get(error.keyword);
  return rank === undefined || first.get(keyOf(error)) === rank;
}
