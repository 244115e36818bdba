import { createRequire } from 'node:module';
import type { Ajv, Options, ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';
import { compileStringCoercion } from './string-coercion.js';
import { hardenSchema } from './harden-schema.js';
import { toValidationIssues } from './validation-errors.js';
import type { RequestPart, ValidationIssue } from './validation-issue.js';

/** Checks (and, for strings from the URL and headers, coerces) one request part in place. */
export type PartValidator = (data: unknown) => ValidationIssue[] | null;

// ajv and ajv-formats load with the first schema compiled, and the formats with the first schema
// that names one: an app whose routes declare no schema does not pay for them at start.
const require = createRequire(import.meta.url);

// strictNumbers: Infinity (JSON's 1e400) and NaN are not numbers; `strict: false` would let them through.
const shared: Options = { allErrors: true, useDefaults: true, strict: false, strictNumbers: true };

/** One ajv instance, its formats added before the first schema that uses them is compiled. */
interface Compiler {
  ajv: Ajv;
  formats: boolean;
}

// Path, query, header and cookie values arrive as strings: coerce them to the declared types, and
// a lone query value to a one-item array ("array"). Bodies are JSON: their types are taken as sent.
let coercing: Compiler | null = null;
let exact: Compiler | null = null;

function compilerFor(coerce: boolean, schema: object): Ajv {
  const compiler = coerce ? (coercing ??= newCompiler('array')) : (exact ??= newCompiler(false));
  // Without its formats ajv (strict: false) would pass any value as a `format: 'email'` string.
  if (!compiler.formats && usesFormat(schema)) {
    // ajv-formats is CommonJS with a default export; required, the callable may sit on `.default`.
    const addFormats = require('ajv-formats') as ((ajv: Ajv) => Ajv) & { default?: (ajv: Ajv) => Ajv };
    (addFormats.default ?? addFormats)(compiler.ajv);
    compiler.formats = true;
  }
  return compiler.ajv;
}

function newCompiler(coerceTypes: Options['coerceTypes']): Compiler {
  const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
  return { ajv: new AjvClass({ ...shared, coerceTypes }), formats: false };
}

/** Whether a `format` keyword may appear anywhere in the schema (a property named so also counts: loading the formats is harmless). */
function usesFormat(schema: unknown, seen = new Set<object>()): boolean {
  if (typeof schema !== 'object' || schema === null || seen.has(schema)) return false;
  seen.add(schema);
  if (typeof (schema as { format?: unknown }).format === 'string') return true;
  return Object.values(schema).some((value) => usesFormat(value, seen));
}

export function compileValidator(schema: TSchema, part: RequestPart, options: { coerce: boolean; route: string }): PartValidator {
  let validate: ValidateFunction;
  // Integers kept to the safe range, arrays' lengths checked before their items (harden-schema.ts).
  const checked = hardenSchema(schema);
  try {
    validate = compilerFor(options.coerce, checked).compile(checked);
  } catch (error) {
    throw new LoopwiseError(
      'LW_ERR_SCHEMA_INVALID',
      `the ${part} schema of ${options.route} is not valid JSON Schema (${(error as Error).message}). Build it with \`t\` (TypeBox).`,
      { cause: error },
    );
  }
  if (!options.coerce) return (data) => (validate(data) ? null : toValidationIssues(validate.errors ?? [], part, data, checked));

  const prepare = compileStringCoercion(schema);
  return (data) => {
    // ajv coerces in place; errors must quote what the client sent, so keep the raw values.
    const raw = typeof data === 'object' && data !== null ? { ...data } : data;
    if (prepare !== null && raw !== data) prepare(data as Record<string, unknown>);
    return validate(data) ? null : toValidationIssues(validate.errors ?? [], part, raw, checked);
  };
}
