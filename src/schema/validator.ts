import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';
import { compileStringCoercion } from './string-coercion.js';
import { hardenSchema } from './harden-schema.js';
import { toValidationIssues } from './validation-errors.js';
import type { RequestPart, ValidationIssue } from './validation-issue.js';

/** Checks (and, for strings from the URL and headers, coerces) one request part in place. */
export type PartValidator = (data: unknown) => ValidationIssue[] | null;

// ajv-formats is CommonJS with a default export; under NodeNext the callable sits on `.default`.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

// strictNumbers: Infinity (JSON's 1e400) and NaN are not numbers; `strict: false` would let them through.
const shared: Options = { allErrors: true, useDefaults: true, strict: false, strictNumbers: true };

// Path, query, header and cookie values arrive as strings: coerce them to the declared types, and
// a lone query value to a one-item array ("array"). Bodies are JSON: their types are taken as sent.
const coercing = addFormats(new Ajv({ ...shared, coerceTypes: 'array' }));
const exact = addFormats(new Ajv({ ...shared, coerceTypes: false }));

export function compileValidator(schema: TSchema, part: RequestPart, options: { coerce: boolean; route: string }): PartValidator {
  let validate: ValidateFunction;
  // Integers kept to the safe range, arrays' lengths checked before their items (harden-schema.ts).
  const checked = hardenSchema(schema);
  try {
    validate = (options.coerce ? coercing : exact).compile(checked);
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
