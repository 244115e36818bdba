import { LoopwiseError, type LoopwiseErrorCode } from './errors.js';

// The checks of numeric options, with one message form for all of them:
// "LW_ERR_INVALID_OPTION: <name> must be a whole number of bytes ≥ 1, not 0."
// `name` is the option as the user wrote it ("pool.maxQueue", "sse() heartbeat"); `unit` is
// what the number counts, when it counts something ("milliseconds", "bytes").

/** Errors other than a bad option keep their own code (a route's timeout is LW_ERR_INVALID_ROUTE). */
export interface OptionCheck {
  unit?: string;
  code?: LoopwiseErrorCode;
}

/** A whole number ≥ 1: a count or a size. */
export function positiveInteger(value: unknown, name: string, check: OptionCheck = {}): number {
  return isWhole(value) && value >= 1 ? value : invalid(value, name, 'a whole number', '≥ 1', check);
}

/** A whole number ≥ 0, where 0 means none or off. */
export function nonNegativeInteger(value: unknown, name: string, check: OptionCheck = {}): number {
  return isWhole(value) && value >= 0 ? value : invalid(value, name, 'a whole number', '≥ 0', check);
}

/** A whole number from `min` to `max`, both included: a level on a fixed scale. */
export function integerBetween(value: unknown, name: string, min: number, max: number, check: OptionCheck = {}): number {
  return isWhole(value) && value >= min && value <= max ? value : invalid(value, name, 'a whole number', `from ${min} to ${max}`, check);
}

/** A finite number > 0, fractions allowed: a duration. */
export function positiveNumber(value: unknown, name: string, check: OptionCheck = {}): number {
  return isFiniteNumber(value) && value > 0 ? value : invalid(value, name, 'a number', '> 0', check);
}

/** A finite number ≥ 0, fractions allowed, where 0 means none or off. */
export function nonNegativeNumber(value: unknown, name: string, check: OptionCheck = {}): number {
  return isFiniteNumber(value) && value >= 0 ? value : invalid(value, name, 'a number', '≥ 0', check);
}

// Safe integers only: past 2^53 a number no longer counts in ones, and prints as 1e+21.
function isWhole(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function shownAsText(value: unknown): string {
  try {
    return String(value);
  } catch {
    return typeof value; // an object without a toString (Object.create(null))
  }
}

function invalid(value: unknown, name: string, kind: string, range: string, check: OptionCheck): never {
  const what = check.unit === undefined ? kind : `${kind} of ${check.unit}`;
  const shown = typeof value === 'string' ? JSON.stringify(value) : shownAsText(value);
  throw new LoopwiseError(check.code ?? 'LW_ERR_INVALID_OPTION', `${name} must be ${what} ${range}, not ${shown}.`);
}
