import { createRequire } from 'node:module';
import type { Ajv, KeywordCxt, Name } from 'ajv';

// ajv's code generator is loaded with the first keyword added (validator.ts loads ajv lazily too):
// an app whose routes declare no schema never loads ajv at start.
const require = createRequire(import.meta.url);
type Names = { errors: Name };

/**
 * Bounds the work of collecting a request's validation errors. ajv's `allErrors` walks every
 * item of every array and every key of every object and allocates one error per failure: 520 000
 * wrong items cost 0.5–1 s before a 422 was even written. Only the error-collecting copy of a
 * schema (compiled after a fast-failing validator has said the input is invalid) is changed:
 * each schema applied once per item or per key becomes `{ loopwiseBudgeted: <schema> }`, which
 * applies it while the validation call has found fewer errors than its budget. Past it, the rest of
 * the items and keys are passed over for the price of a comparison each, and `budgetState.skips` says so.
 *
 * The count is one per validation call, kept in `budgetState.spent`, not ajv's `errors`: a `$ref`
 * (a recursive schema) runs in a function of its own whose `errors` starts at 0, so a budget read
 * from it was granted afresh at every level: 450 levels of 399 wrong items each cost 3 s.
 */
export const BUDGETED = 'loopwiseBudgeted';

/**
 * The budget's state for the validation call under way; `resetBudget()` before each (validation
 * is synchronous, so one object serves every call). `spent`: the errors found inside budgeted
 * items and keys so far, across every `$ref`'d function. `skips`: how many items or keys it passed over.
 */
export const budgetState = { spent: 0, skips: 0 };

export function resetBudget(): void {
  budgetState.spent = 0;
  budgetState.skips = 0;
}

/** Adds `loopwiseBudgeted` to an `allErrors` instance: one instance per budget, as the budget is part of the code. */
export function addErrorBudgetKeyword(ajv: Ajv, budget: number): Ajv {
  const { _ } = require('ajv') as typeof import('ajv');
  // CommonJS with a default export, like ajv-formats: the names may sit on `.default`.
  const namesModule = require('ajv/dist/compile/names.js') as Names & { default?: Names };
  const names = namesModule.default ?? namesModule;
  ajv.addKeyword({
    keyword: BUDGETED,
    schemaType: ['object', 'boolean'],
    code(cxt: KeywordCxt) {
      const { gen } = cxt;
      const state = gen.scopeValue('keyword', { ref: budgetState });
      gen.if(_`${state}.spent < ${budget}`);
      // `errors` counts this function's errors, those of the `$ref`s it called included (ajv adds
      // them on return): the entry's own and its nested entries' errors are `errors - before`.
      // Nested entries have already added theirs to `spent`, so it becomes `spentBefore + that`,
      // never less: errors a union's matching branch dropped were work all the same.
      const before = gen.const('errorsBefore', names.errors);
      const spentBefore = gen.const('spentBefore', _`${state}.spent`);
      // Errors inside are added as they are found (allErrors): the keyword adds none of its own.
      cxt.subschema({ keyword: BUDGETED }, gen.name('valid'));
      gen.code(_`${state}.spent = Math.max(${state}.spent, ${spentBefore} + ${names.errors} - ${before})`);
      gen.else();
      gen.code(_`${state}.skips++`);
      gen.endIf();
    },
  });
  return ajv;
}

/** Keywords whose schema is applied to each item of an array, or each value (or name) of an object's keys. */
const PER_ENTRY = ['items', 'additionalItems', 'additionalProperties', 'propertyNames'];
/** Keywords whose value is one schema, a list of schemas, or a map of names to schemas: followed to find the per-entry ones. */
const ONE = ['then', 'else', 'additionalItems', 'additionalProperties', 'propertyNames', 'items'];
const LIST = ['allOf', 'anyOf', 'prefixItems', 'items'];
const MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
// `unevaluatedItems`/`unevaluatedProperties` are draft 2019 keywords, which this (draft-07) ajv ignores.
// Not followed: `not`, `oneOf`, `if` and `contains`. There, a passed-over item counts as valid,
// which could turn into an error of its own (`not` holding, two `oneOf` branches matching);
// elsewhere it can only hide errors, which the "more were left out" entry then says.

const copies = new WeakMap<object, unknown>();

/** The schema ajv collects errors with: the same checks, with each per-item and per-key schema behind the budget. */
export function withErrorBudget<T>(schema: T): T {
  if (typeof schema !== 'object' || schema === null) return schema;
  let copy = copies.get(schema);
  if (copy === undefined) copies.set(schema, (copy = node(schema, new Map())));
  return copy as T;
}

function node(schema: unknown, seen: Map<object, unknown>): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  const known = seen.get(schema);
  if (known !== undefined) return known;
  const source = schema as Record<string | symbol, unknown>;
  // Own symbols too: TypeBox marks its schemas with them.
  const copy: Record<string | symbol, unknown> = {};
  seen.set(schema, copy);
  for (const key of Reflect.ownKeys(source)) {
    const value = source[key];
    let next = value;
    if (typeof key === 'string') {
      if (Array.isArray(value) && LIST.includes(key)) next = value.map((item) => node(item, seen));
      else if (MAP.includes(key) && typeof value === 'object' && value !== null) next = map(value as Record<string, unknown>, seen, key === 'patternProperties');
      else if (ONE.includes(key)) next = node(value, seen);
      if (PER_ENTRY.includes(key) && !Array.isArray(value)) next = guarded(next);
    }
    copy[key] = next;
  }
  return copy;
}

function map(value: Record<string, unknown>, seen: Map<object, unknown>, perEntry: boolean): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(value)) {
    const next = node(schema, seen);
    copy[name] = perEntry ? guarded(next) : next;
  }
  return copy;
}

/** `true` needs no guard: it never fails. `false` (no extra keys) is reported as `false schema` at the key. */
function guarded(schema: unknown): unknown {
  return schema === true ? schema : { [BUDGETED]: schema };
}
