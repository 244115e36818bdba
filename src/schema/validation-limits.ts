import { positiveInteger } from '../option-checks.js';

/**
 * How much a 422 may say, per request part (path, query, header, cookie, body). Without a bound,
 * one 1 MiB body of 520 000 wrong array items was answered with 520 000 issues: a 52 MB response
 * and seconds of a blocked event loop, for every client.
 */
export interface ValidationLimitOptions {
  /** Most issues listed per request part; one more entry (`too_many_errors`) says that more were left out. Default 100. */
  maxIssues?: number;
  /**
   * Longest `input` an issue quotes, in characters of its JSON (about): a longer string, array or
   * object is cut, and says by how much (docs/errors.md). Keys in `loc` are cut to it too. Default 256.
   */
  maxInputLength?: number;
  /**
   * Most recursive steps (each entry into a `$ref`'d schema) one validation of one request part
   * may take: past it the part is refused with one `too_complex` issue (step-budget.ts). Only
   * recursive schemas count steps. Default 20,000.
   */
  maxSteps?: number;
}

export type ValidationLimits = Required<ValidationLimitOptions>;

export const DEFAULT_MAX_ISSUES = 100;
export const DEFAULT_MAX_INPUT_LENGTH = 256;
export const DEFAULT_MAX_STEPS = 20_000;

export const DEFAULT_VALIDATION_LIMITS: ValidationLimits = { maxIssues: DEFAULT_MAX_ISSUES, maxInputLength: DEFAULT_MAX_INPUT_LENGTH, maxSteps: DEFAULT_MAX_STEPS };

export function validationLimits(options: ValidationLimitOptions = {}): ValidationLimits {
  const maxIssues = options.maxIssues ?? DEFAULT_MAX_ISSUES;
  const maxInputLength = options.maxInputLength ?? DEFAULT_MAX_INPUT_LENGTH;
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  return {
    maxIssues: positiveInteger(maxIssues, 'validation.maxIssues'),
    maxInputLength: positiveInteger(maxInputLength, 'validation.maxInputLength'),
    maxSteps: positiveInteger(maxSteps, 'validation.maxSteps'),
  };
}
