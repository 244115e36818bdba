import { createRequire } from 'node:module';
import type { Ajv, Options, ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';
import { compileNullDefaults, compileStringCoercion } from './string-coercion.js';
import { hardenSchema } from './harden-schema.js';
import { addErrorBudgetKeyword, budgetState, resetBudget, withErrorBudget } from './error-budget.js';
import { addStepKeyword, startSteps, stepState, withStepMarks } from './step-budget.js';
import { boundedInput } from './bounded-input.js';
import { addLinearUniqueItems } from './unique-items.js';
import { addLinearFormats } from './linear-formats.js';
import { addBoundedPattern, linearRegExp, UnsupportedPattern } from './linear-regexp.js';
import { toValidationIssues } from './validation-errors.js';
import { compileLaxCoercion, type LaxCoercion } from './lax-coercion.js';
import { asLaxIssues, asStrictIssues } from './lax-issues.js';
import { compileAfterSteps, withAfterValidation } from './after-validation.js';
import { DEFAULT_VALIDATION_LIMITS, type ValidationLimits } from './validation-limits.js';
import type { RequestPart, ValidationIssue } from './validation-issue.js';

/** Checks (and, for strings from the URL and headers, coerces) one request part in place. */
export type PartValidator = (data: unknown) => ValidationIssue[] | null;

// ajv and ajv-formats load with the first schema compiled, and the formats with the first schema
// that names one: an app whose routes declare no schema does not pay for them at start.
const require = createRequire(import.meta.url);

// strictNumbers: Infinity (JSON's 1e400) and NaN are not numbers; `strict: false` would let them through.
// Patterns run in linear time (linear-regexp.ts): a client's string never backtracks exponentially.
const shared: Options = { useDefaults: true, strict: false, strictNumbers: true, code: { regExp: linearRegExp } };

// Every request is first checked by a validator that stops at the first error: a valid one is
// done, an invalid one costs no more than its first error. Only then does a second, `allErrors`
// validator list the errors, with its work bounded by error-budget.ts.

/** One ajv instance, its formats added before the first schema that uses them is compiled. */
interface Compiler {
  ajv: Ajv;
  formats: boolean;
}

/**
 * The ajv instances an App's named schemas compile in. ajv keeps one schema per $id per instance,
 * and a `$ref` is resolved against every $id its instance has seen: two Apps in one process (two
 * FastAPI tutorial apps in one test run) sharing instances would each find the other's `Item` for
 * a `t.Ref(Item)`. Schemas that name nothing (no $id, no outside $ref) compile in the process's
 * shared instances, so an App without named schemas makes none of its own.
 */
export class SchemaNamespace {
  // Path, query, header and cookie values arrive as strings: coerce them to the declared types,
  // and a lone query value to a one-item array ("array"). Bodies are JSON: their types are taken as sent.
  coercing: Compiler | null = null;
  exact: Compiler | null = null;
  /** The error collectors: one pair per error budget (the budget is part of the generated code). */
  readonly allErrors = new Map<number, { coercing: Compiler | null; exact: Compiler | null }>();
  /** The App's named schemas by $id, recorded before any route compiles (the first of each $id). */
  private readonly named = new Map<string, object>();

  /**
   * Records the named schemas in `schema` (itself included), so that a `t.Ref` to one compiles
   * whatever the order of the routes: the route that uses `Item` itself may come after the one
   * that refers to it (an included router's routes come after the App's own).
   */
  declare(schema: unknown): void {
    if (typeof schema !== 'object' || schema === null) return;
    const found: object[] = [];
    namedParts({ schema }, found, new Set(), true);
    for (const part of found) {
      const id = idKey((part as { $id: string }).$id);
      if (!this.named.has(id)) this.named.set(id, part);
    }
  }

  /** The named schema declared under `id` (as ajv keys it), if any. */
  declared(id: string): object | undefined {
    return this.named.get(id);
  }

  /** The declared schemas `schema` refers to and does not hold (and those they refer to), by $id: a serializer's external schemas. */
  referencedSchemas(schema: object): Record<string, object> {
    return Object.fromEntries(referencedParts(this, schema).map((part) => [idKey((part as { $id: string }).$id), part]));
  }
}

/** An $id as ajv keys it: "Item#" is "Item". */
function idKey(id: string): string {
  return id.replace(/#\/?$/, '');
}

const SHARED = new SchemaNamespace();

function compilerFor(namespace: SchemaNamespace, coerce: boolean, schema: object): Ajv {
  const compiler = coerce ? (namespace.coercing ??= newCompiler('array')) : (namespace.exact ??= newCompiler(false));
  return withFormats(compiler, schema);
}

function collectorFor(namespace: SchemaNamespace, budget: number, coerce: boolean, schema: object): Ajv {
  let pair = namespace.allErrors.get(budget);
  if (pair === undefined) namespace.allErrors.set(budget, (pair = { coercing: null, exact: null }));
  const compiler = coerce
    ? (pair.coercing ??= newCompiler('array', budget))
    : (pair.exact ??= newCompiler(false, budget));
  return withFormats(compiler, schema);
}

/** Without its formats ajv (strict: false) would pass any value as a `format: 'email'` string. */
function withFormats(compiler: Compiler, schema: object): Ajv {
  if (!compiler.formats && usesFormat(schema)) {
    // ajv-formats is CommonJS with a default export; required, the callable may sit on `.default`.
    const addFormats = require('ajv-formats') as ((ajv: Ajv) => Ajv) & { default?: (ajv: Ajv) => Ajv };
    (addFormats.default ?? addFormats)(compiler.ajv);
    // ajv-formats' `url` is quadratic and `date-time` slow on hostile strings: linear ones replace them.
    addLinearFormats(compiler.ajv);
    compiler.formats = true;
  }
  return compiler.ajv;
}

/** A first-error validator, or (with a budget) an error collector whose work the budget bounds. */
function newCompiler(coerceTypes: Options['coerceTypes'], budget?: number): Compiler {
  const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
  // ajv's own uniqueItems compares every pair: a linear one replaces it (unique-items.ts).
  // Every instance counts a recursive schema's steps (step-budget.ts): ajv ignores an unknown keyword.
  // `pattern` skips a string far past its maxLength (linear-regexp.ts): the collector would run it on one.
  if (budget === undefined) return { ajv: addStepKeyword(addBoundedPattern(addLinearUniqueItems(new AjvClass({ ...shared, coerceTypes })))), formats: false };
  return { ajv: addStepKeyword(addErrorBudgetKeyword(addBoundedPattern(addLinearUniqueItems(new AjvClass({ ...shared, coerceTypes, allErrors: true }))), budget)), formats: false };
}

/** Whether a `format` keyword may appear anywhere in the schema (a property named so also counts: loading the formats is harmless). */
function usesFormat(schema: unknown): boolean {
  return anyNode(schema, (node) => typeof node.format === 'string');
}

/** Whether the schema names a schema (an $id) or refers to one outside itself (a $ref not starting with '#'); a property named so also counts. */
function namesSchemas(schema: unknown): boolean {
  return anyNode(schema, (node) => typeof node.$id === 'string' || (typeof node.$ref === 'string' && !node.$ref.startsWith('#')));
}

/**
 * Compiles `schema`, its named parts added first as schemas of their own, innermost first. ajv
 * records a schema with an $id nested in another by its place there ("#/properties/item", or
 * "Order#/properties/item"): a `t.Ref` to it from another route's schema could be looked up in
 * that other root, find the `$ref` itself, and recurse until the stack ran out (a 500 for every
 * request). Added first, each is a root of its own that every `$ref` finds. They are added
 * unchecked: the schema's own check, in compile(), covers them where it did before.
 */
function compileNamed(ajv: Ajv, declared: object, referenced: readonly object[] = []): ValidateFunction {
  const schema = withRepeatsInline(declared);
  const named: object[] = [];
  namedParts(schema, named, new Set(), false);
  // Then the App's declared schemas it refers to and does not hold (referencedParts), with theirs.
  for (const part of referenced) namedParts({ part }, named, new Set(), true);
  for (const part of named) {
    // As ajv keys it: "Item#" is "Item".
    const id = idKey((part as { $id: string }).$id);
    // A place an earlier compile recorded is replaced; a schema already added is left to ajv
    // (the same one passes, a different one under the same $id is ambiguous).
    if (typeof ajv.refs[id] === 'string') delete ajv.refs[id];
    if (ajv.refs[id] === undefined && ajv.schemas[id] === undefined) ajv.addSchema(part, undefined, undefined, false);
  }
  return ajv.compile(schema);
}

/**
 * The schema with each repeat of a named part (its $id a second time, as in
 * `t.Object({ main: Item, spare: t.Optional(Item) })`) made anonymous: ajv refuses an $id twice
 * in one schema, even for the same schema, and startup failed. The repeat is checked inline, as the
 * first is, so its issues are the same; one with a `#…` $ref of its own (which its $id anchors)
 * becomes a `$ref` to the first instead. A repeat that is not the same schema is left as it is,
 * for ajv to call ambiguous. Copied along the way: the schema stays as declared (OpenAPI reads it).
 */
function withRepeatsInline(schema: object): object {
  const firsts = new Map<string, object>();
  const visit = (node: object, inMap: boolean): object => {
    let copy: Record<string | symbol, unknown> | unknown[] | null = null;
    if (!inMap && !Array.isArray(node)) {
      const id = (node as { $id?: unknown }).$id;
      if (typeof id === 'string' && !id.startsWith('#')) {
        const key = idKey(id);
        const first = firsts.get(key);
        if (first === undefined) firsts.set(key, node);
        else if (!sameJson(first, node)) return node;
        else if (anyNode(node, (part) => typeof part.$ref === 'string' && part.$ref.startsWith('#'))) return { $ref: id };
        else {
          // TypeBox's marks (symbols) are kept, as the other schema copies keep them.
          copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(node));
          delete copy.$id;
        }
      }
    }
    for (const key of Object.keys(node)) {
      const value = (node as Record<string, unknown>)[key];
      if ((!inMap && DATA_KEYWORDS.has(key)) || typeof value !== 'object' || value === null) continue;
      const next = visit(value, !inMap && SCHEMA_MAPS.has(key));
      if (next === value) continue;
      copy ??= Array.isArray(node) ? [...node] : Object.defineProperties({}, Object.getOwnPropertyDescriptors(node));
      (copy as Record<string, unknown>)[key] = next;
    }
    return copy ?? node;
  };
  return visit(schema, false);
}

/** Whether two schemas are the same JSON (TypeBox's symbol marks aside: t.Optional(Item) is Item marked optional). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** Keywords whose values are data, not schemas: an `$id` key in them names nothing. */
const DATA_KEYWORDS = new Set(['default', 'const', 'enum', 'examples', 'example']);
/** Keywords whose values map names to schemas: their keys are names, never keywords. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

/** The nested schemas with an $id (not the root's own), innermost first. `inMap`: `node` maps names to schemas. */
function namedParts(node: object, found: object[], seen: Set<object>, inMap: boolean): void {
  for (const [key, value] of Object.entries(node)) {
    if ((!inMap && DATA_KEYWORDS.has(key)) || typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    namedParts(value, found, seen, !inMap && SCHEMA_MAPS.has(key));
    // An $id of '#…' names a place inside its own root only: never added.
    const id = (value as { $id?: unknown }).$id;
    if (!Array.isArray(value) && typeof id === 'string' && !id.startsWith('#')) found.push(value);
  }
}

/**
 * The App's declared named schemas that `schema` refers to by a `$ref` and does not hold itself,
 * and those they refer to in turn: added to the ajv instance before `schema` compiles, so a route
 * may refer to `Item` before the route that uses it has compiled.
 */
function referencedParts(namespace: SchemaNamespace | undefined, schema: object): object[] {
  if (namespace === undefined || namespace === SHARED) return [];
  const held = new Set<string>();
  const own: object[] = [];
  namedParts({ schema }, own, new Set(), true);
  for (const part of own) held.add(idKey((part as { $id: string }).$id));
  const parts: object[] = [];
  const visit = (node: object): void => {
    for (const ref of outsideRefs(node)) {
      if (held.has(ref)) continue;
      held.add(ref);
      const part = namespace.declared(ref);
      if (part === undefined) continue;
      parts.push(part);
      visit(part);
    }
  };
  visit(schema);
  return parts;
}

/** The $ids a schema's `$ref`s name outside itself (not '#…'), as ajv keys them. */
function outsideRefs(schema: object): Set<string> {
  const refs = new Set<string>();
  anyNode(schema, (node) => {
    if (typeof node.$ref === 'string' && !node.$ref.startsWith('#')) refs.add(idKey(node.$ref.split('#')[0]!));
    return false;
  });
  return refs;
}

function anyNode(schema: unknown, test: (node: Record<string, unknown>) => boolean, seen = new Set<object>()): boolean {
  if (typeof schema !== 'object' || schema === null || seen.has(schema)) return false;
  seen.add(schema);
  if (test(schema as Record<string, unknown>)) return true;
  return Object.values(schema).some((value) => anyNode(value, test, seen));
}

export interface ValidatorOptions {
  coerce: boolean;
  route: string;
  /** How many issues, and how much of the input each quotes (validation-limits.ts). Default: 100 issues, 256 characters. */
  limits?: ValidationLimits;
  /** The App's: where its named schemas compile. Without one, the process's shared instances. */
  namespace?: SchemaNamespace | undefined;
}

/** A part's two validators, compiled once: the first-error check, and the issues of data that failed it. */
interface CompiledPart {
  validate: (data: unknown) => boolean;
  issuesOf: (data: unknown, sent: unknown) => ValidationIssue[];
  /** The last validate() failed for running out of steps (a recursive schema's; step-budget.ts). */
  ranOutOfSteps: () => boolean;
}

function compilePart(schema: TSchema, part: RequestPart, options: ValidatorOptions): CompiledPart {
  const limits = options.limits ?? DEFAULT_VALIDATION_LIMITS;
  // ajv's errors, not issues: a failed union brings its branches' errors, which become one issue.
  const budget = limits.maxIssues * 4;
  // Integers kept to the safe range, arrays' lengths checked before their items (harden-schema.ts);
  // a recursive schema's steps counted (step-budget.ts), a schema without `$ref` left as it is.
  const hardened = hardenSchema(schema);
  const checked = withStepMarks(hardened);
  const stepped = checked !== hardened;
  const budgeted = withErrorBudget(checked);
  let validate: ValidateFunction;
  let collect: ValidateFunction;
  try {
    try {
      const namespace = options.namespace !== undefined && namesSchemas(checked) ? options.namespace : SHARED;
      // Each referenced schema as this part's own schema is made (hardened, step-marked, budgeted).
      const referenced = referencedParts(namespace, checked).map((part) => withStepMarks(hardenSchema(part)));
      validate = compileNamed(compilerFor(namespace, options.coerce, [checked, ...referenced]), checked, referenced);
      collect = compileNamed(collectorFor(namespace, budget, options.coerce, [budgeted, ...referenced]), budgeted, referenced.map(withErrorBudget));
    } catch (error) {
      if (!/already exists|resolves to more than one schema/.test((error as Error).message)) throw error;
      // The schema's $id is taken in its instances, as its own ("already exists") or nested in it
      // ("resolves to more than one schema"): a copy of a schema compiled before (t.Optional(Item),
      // t.Refine(Item) on another route), or an App's two different schemas of one $id, which its
      // OpenAPI document refuses. It gets instances of its own; one ambiguous in itself fails
      // again there.
      validate = compileNamed(withFormats(newCompiler(options.coerce ? 'array' : false), checked), checked);
      collect = compileNamed(withFormats(newCompiler(options.coerce ? 'array' : false, budget), budgeted), budgeted);
    }
  } catch (error) {
    if (error instanceof UnsupportedPattern) {
      throw new LoopwiseError('LW_ERR_SCHEMA_INVALID', `the ${part} schema of ${options.route}: ${error.message} (docs/limits.md).`, { cause: error });
    }
    throw new LoopwiseError(
      'LW_ERR_SCHEMA_INVALID',
      `the ${part} schema of ${options.route} is not valid JSON Schema (${(error as Error).message}). Build it with \`t\` (TypeBox).`,
      { cause: error },
    );
  }

  const maxSteps = limits.maxSteps;
  /** `data` is what was validated (defaults applied, values coerced); `sent` what the client sent, which `input` quotes. */
  function issuesOf(data: unknown, sent: unknown): ValidationIssue[] {
    // The first validator ran out of steps: the collector, which walks every branch, would too.
    if (stepped && stepState.exceeded) return [tooComplex(part, maxSteps, sent, limits)];
    resetBudget();
    if (stepped) startSteps(maxSteps);
    collect(data);
    if (stepped && stepState.exceeded) return [tooComplex(part, maxSteps, sent, limits)];
    const skipped = budgetState.skips > 0;
    // The budget can pass over every error (a union whose errors it cut short then matched):
    // the first validator's error is then the one to report.
    if (collect.errors == null || collect.errors.length === 0) return toValidationIssues(validate.errors ?? [], part, sent, checked, limits, skipped);
    return toValidationIssues(collect.errors, part, sent, budgeted, limits, skipped);
  }
  if (!stepped) return { validate, issuesOf, ranOutOfSteps: () => false };
  const first = validate;
  return {
    validate: (data) => {
      startSteps(maxSteps);
      return first(data);
    },
    issuesOf,
    ranOutOfSteps: () => stepState.exceeded,
  };
}

/** The one issue of a part whose validation ran out of steps: which part, the budget, and (cut) what was sent. */
function tooComplex(part: RequestPart, maxSteps: number, sent: unknown, limits: ValidationLimits): ValidationIssue {
  return {
    type: 'too_complex',
    loc: [part],
    msg: `Input is too complex to validate: it took more than ${maxSteps} recursive steps against this schema`,
    input: boundedInput(sent, limits.maxInputLength, new Map()),
    ctx: { max_steps: maxSteps },
  };
}

export function compileValidator(schema: TSchema, part: RequestPart, options: ValidatorOptions): PartValidator {
  const { validate, issuesOf } = compilePart(schema, part, options);
  const limits = options.limits ?? DEFAULT_VALIDATION_LIMITS;
  // ajv fills defaults in as it validates: without the client's own bytes to read again
  // (compileJsonBodyValidator has them), a 422 here may quote them.
  // t.Refine, t.Set and integer-keyed t.Record run once the value is valid (after-validation.ts); a schema without them keeps the validator as it is.
  if (!options.coerce) return withAfterValidation(schema, part, options.route, limits, (data) => (validate(data) ? null : issuesOf(data, data)));

  const prepare = compileStringCoercion(schema);
  const nullDefaults = compileNullDefaults(schema);
  return withAfterValidation(schema, part, options.route, limits, (data) => {
    // ajv coerces in place; errors must quote what the client sent, so keep the raw values.
    const raw = typeof data === 'object' && data !== null ? { ...data } : data;
    if (prepare !== null && raw !== data) prepare(data as Record<string, unknown>);
    if (!validate(data)) return issuesOf(data, raw);
    if (nullDefaults !== null && raw !== data) nullDefaults(data as Record<string, unknown>, raw as Record<string, unknown>);
    return null;
  });
}

export interface JsonBodyOptions<Source> {
  route: string;
  limits?: ValidationLimits | undefined;
  /** Pydantic's strict mode: the body's types are taken as sent, nothing converted. Default false (lax). */
  strict?: boolean | undefined;
  /** The body as the client sent it, decoded again from its source: ajv has filled defaults into the first copy. */
  reread: (source: Source) => unknown;
  /** The App's named schemas' instances (ValidatorOptions.namespace). */
  namespace?: SchemaNamespace | undefined;
}

/**
 * What a JSON body that failed exact validation became: `value`, converted as Pydantic's lax mode
 * converts (in place where it could), for the handler when `issues` is empty.
 */
export interface JsonBodyOutcome {
  value: unknown;
  issues: ValidationIssue[];
}

/** Null when the body is valid as sent (the handler gets it as it is, defaults applied). */
export type JsonBodyValidator<Source> = (data: unknown, source: Source) => JsonBodyOutcome | null;

/**
 * A JSON body's validator. A valid body costs what it always did: one first-error validation.
 * Only a body that fails it is converted (lax-coercion.ts, unless `strict`) and validated again;
 * a 422 quotes the body the client sent, read again from `source`, not the one with ajv's defaults.
 */
export function compileJsonBodyValidator<Source>(schema: TSchema, options: JsonBodyOptions<Source>): JsonBodyValidator<Source> {
  const { validate, issuesOf, ranOutOfSteps } = compilePart(schema, 'body', { coerce: false, route: options.route, limits: options.limits, namespace: options.namespace });
  const reread = options.reread;
  const after = compileAfterValidation(schema, options.route, options.limits);
  if (options.strict === true) {
    return (data, source) => {
      if (validate(data)) return after === null ? null : after(data, null);
      return { value: data, issues: asStrictIssues(issuesOf(data, reread(source))) };
    };
  }
  // Built with the first invalid body: a route whose bodies are always valid never builds it.
  let coerce: LaxCoercion | null = null;
  return (data, source) => {
    if (validate(data)) return after === null ? null : after(data, null);
    // Out of steps: converting, and a second run out of steps, would change nothing but the time taken.
    if (ranOutOfSteps()) return { value: data, issues: issuesOf(data, reread(source)) };
    coerce ??= compileLaxCoercion(schema);
    const value = coerce(data);
    if (validate(value)) return after === null ? { value, issues: [] } : (after(value, null) ?? { value, issues: [] });
    const issues = asLaxIssues(issuesOf(value, reread(source)));
    return after === null ? { value, issues } : (after(value, issues) ?? { value, issues });
  };
}

/**
 * A JSON body's t.Refine, t.Set and integer-keyed t.Record steps (after-validation.ts), given the
 * issues found so far (null: none); null when the schema has none, so such routes pay nothing.
 */
function compileAfterValidation(schema: TSchema, route: string, limits: ValidationLimits | undefined): ((value: unknown, found: ValidationIssue[] | null) => JsonBodyOutcome | null) | null {
  const steps = compileAfterSteps(schema, 'body', route, limits ?? DEFAULT_VALIDATION_LIMITS);
  if (steps === null) return null;
  return (value, found) => {
    const issues = steps(value, found);
    return issues === null ? null : { value, issues };
  };
}
