import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';
import { compileStringCoercion } from './string-coercion.js';
import { hardenSchema } from './harden-schema.js';
import { addErrorBudgetKeyword, budgetState, resetBudget, withErrorBudget } from './error-budget.js';
import { addLinearUniqueItems } from './unique-items.js';
import { addLinearFormats } from './linear-formats.js';
import { toValidationIssues } from './validation-errors.js';
import { DEFAULT_VALIDATION_LIMITS, type ValidationLimits } from './validation-limits.js';
import type { RequestPart, ValidationIssue } from './validation-issue.js';

/** Checks (and, for strings from the URL and headers, coerces) one request part in place. */
export type PartValidator = (data: unknown) => ValidationIssue[] | null;

// ajv-formats is CommonJS with a default export; under NodeNext the callable sits on `.default`.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

/** ajv with ajv-formats ("full" mode), `uniqueItems` in linear time and every format in linear time (linear-formats.ts). */
function newAjv(options: Options): Ajv {
  return addLinearFormats(addLinearUniqueItems(addFormats(new Ajv(options))));
}

// strictNumbers: Infinity (JSON's 1e400) and NaN are not numbers; `strict: false` would let them through.
const shared: Options = { useDefaults: true, strict: false, strictNumbers: true };

// Every request is first checked by a validator that stops at the first error: a valid one is
// done, an invalid one costs no more than its first error. Only then does a second, `allErrors`
// validator list the errors, with its work bounded by error-budget.ts.
//
// Path, query, header and cookie values arrive as strings: coerce them to the declared types, and
// a lone query value to a one-item array ("array"). Bodies are JSON: their types are taken as sent.
const firstError = {
  coercing: newAjv({ ...shared, coerceTypes: 'array' }),
  exact: newAjv({ ...shared, coerceTypes: false }),
};
// One pair per error budget (the budget is part of the generated code).
const allErrors = new Map<number, { coercing: Ajv; exact: Ajv }>();

function errorCollectors(budget: number): { coercing: Ajv; exact: Ajv } {
  let pair = allErrors.get(budget);
  if (pair === undefined) {
    const options = { ...shared, allErrors: true };
    pair = {
      coercing: addErrorBudgetKeyword(newAjv({ ...options, coerceTypes: 'array' }), budget),
      exact: addErrorBudgetKeyword(newAjv({ ...options, coerceTypes: false }), budget),
    };
    allErrors.set(budget, pair);
  }
  return pair;
}

export interface ValidatorOptions {
  coerce: boolean;
  route: string;
  /** How many issues, and how much of the input each quotes (validation-limits.ts). Default: 100 issues, 256 characters. */
  limits?: ValidationLimits;
}

export function compileValidator(schema: TSchema, part: RequestPart, options: ValidatorOptions): PartValidator {
  const limits = options.limits ?? DEFAULT_VALIDATION_LIMITS;
  // ajv's errors, not issues: a failed union brings its branches' errors, which become one issue.
  const budget = limits.maxIssues * 4;
  const kind = options.coerce ? 'coercing' : 'exact';
  // Integers kept to the safe range, arrays' lengths checked before their items (harden-schema.ts).
  const checked = hardenSchema(schema);
  const budgeted = withErrorBudget(checked);
  let validate: ValidateFunction;
  let collect: ValidateFunction;
  try {
    validate = firstError[kind].compile(checked);
    collect = errorCollectors(budget)[kind].compile(budgeted);
  } catch (error) {
    throw new LoopwiseError(
      'LW_ERR_SCHEMA_INVALID',
      `the ${part} schema of ${options.route} is not valid JSON Schema (${(error as Error).message}). Build it with \`t\` (TypeBox).`,
      { cause: error },
    );
  }

  function issuesOf(data: unknown, raw: unknown): ValidationIssue[] {
    resetBudget();
    collect(data);
    const skipped = budgetState.skips > 0;
    // The budget can pass over every error (a union whose errors it cut short then matched):
    // the first validator's error is then the one to report.
    if (collect.errors == null || collect.errors.length === 0) return toValidationIssues(validate.errors ?? [], part, raw, checked, limits, skipped);
    return toValidationIssues(collect.errors, part, raw, budgeted, limits, skipped);
  }

  if (!options.coerce) return (data) => (validate(data) ? null : issuesOf(data, data));

  const prepare = compileStringCoercion(schema);
  return (data) => {
    // ajv coerces in place; errors must quote what the client sent, so keep the raw values.
    const raw = typeof data === 'object' && data !== null ? { ...data } : data;
    if (prepare !== null && raw !== data) prepare(data as Record<string, unknown>);
    return validate(data) ? null : issuesOf(data, raw);
  };
}
