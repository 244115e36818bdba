import type { ValidationIssue } from '../schema/validation-issue.js';

/**
 * A form's missing field quotes `input: null`, as FastAPI's does: FastAPI checks form fields one
 * by one, so a missing one has no input of its own. Quoting the whole form, as a JSON body's
 * missing field does, would echo every other field (a password beside a missing username).
 */
export function quoteMissingFieldsAsNull(issues: ValidationIssue[]): void {
  for (const issue of issues) {
    if (issue.type === 'missing' && issue.loc.length === 2) issue.input = null;
  }
}
