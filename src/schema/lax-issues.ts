import { NOT_CONVERTED, laxNumber } from './lax-scalars.js';
import type { ValidationIssue } from './validation-issue.js';

/**
 * The few messages of a JSON body's 422 that depend on the mode it was validated in, as Pydantic
 * words them. validation-errors.ts names a type error by the value the client sent (a string that
 * did not parse is `int_parsing`); these adjust its entries in place.
 */

/**
 * Lax mode (the default): a string that parses as a number but is not finite ("inf", "1e400") is
 * `finite_number`, never "unable to parse"; an integer other than 0 and 1 sent for a boolean is
 * `bool_parsing` (Pydantic tried to read it as one).
 */
export function asLaxIssues(issues: ValidationIssue[]): ValidationIssue[] {
  for (const issue of issues) {
    if (issue.type === 'float_parsing' && typeof issue.input === 'string' && laxNumber(issue.input) !== NOT_CONVERTED) {
      issue.type = 'finite_number';
      issue.msg = 'Input should be a finite number';
    } else if (issue.type === 'bool_type' && Number.isInteger(issue.input)) {
      issue.type = 'bool_parsing';
      issue.msg = 'Input should be a valid boolean, unable to interpret input';
    }
  }
  return issues;
}

/** What strict mode converts nothing from: the type's plain error, whatever the value sent. */
const STRICT: Record<string, { type: string; msg: string }> = {
  int_parsing: { type: 'int_type', msg: 'Input should be a valid integer' },
  int_from_float: { type: 'int_type', msg: 'Input should be a valid integer' },
  float_parsing: { type: 'float_type', msg: 'Input should be a valid number' },
  bool_parsing: { type: 'bool_type', msg: 'Input should be a valid boolean' },
};

/** Strict mode: Pydantic does not try to parse a string (or round a float) there, so it says only that the type is wrong. */
export function asStrictIssues(issues: ValidationIssue[]): ValidationIssue[] {
  for (const issue of issues) {
    const plain = Object.hasOwn(STRICT, issue.type) ? STRICT[issue.type]! : null;
    if (plain !== null) {
      issue.type = plain.type;
      issue.msg = plain.msg;
    }
  }
  return issues;
}
