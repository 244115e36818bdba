/**
 * Pydantic v2's lax conversions of one JSON scalar to the type a schema asks for (its conversion
 * table, the rows with JSON input): strings that parse as numbers or booleans, booleans as 0 and
 * 1, the integers 0 and 1 as booleans. Each returns `NOT_CONVERTED` when Pydantic would refuse
 * the value too; the validator then reports it with Pydantic's message. Numbers never become
 * strings (Pydantic v2's `string_type`). All are linear in the string's length.
 */
export const NOT_CONVERTED: unique symbol = Symbol('not converted');
export type Converted<T> = T | typeof NOT_CONVERTED;

/** Python's int() refuses longer digit strings (CPython's limit, which pydantic-core keeps). */
const MAX_INT_DIGITS = 4300;
const DIGITS = /^\d+$/;
// Rust's f64 grammar, which pydantic-core parses floats with: "1.", ".5", "1e3", a sign.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// Parsed by Pydantic too; loopwise's numbers are finite, so these fail as `finite_number` once parsed.
const NON_FINITE_WORD = /^[+-]?(?:inf|infinity|nan)$/i;
const TRUE_WORDS = new Set(['1', 't', 'y', 'on', 'yes', 'true']);
const FALSE_WORDS = new Set(['0', 'f', 'n', 'no', 'off', 'false']);

/** An integer from a string ("3", " 3 ", "+3", "003", "3.00", "1_000"), a boolean, or an integral number. */
export function laxInteger(value: unknown): Converted<number> {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isInteger(value) ? value : NOT_CONVERTED;
  if (typeof value !== 'string') return NOT_CONVERTED;
  const digits = integerDigits(value.trim());
  if (digits === null) return NOT_CONVERTED;
  const parsed = Number(digits);
  // Past a double's range (300+ digits): a number past every bound, so the range check reports it.
  return Number.isFinite(parsed) ? parsed : Math.sign(parsed) * Number.MAX_VALUE;
}

/**
 * A number from a string ("50.5", "1e3", " .5 ", "1_000.5") or a boolean. "inf", "nan" and
 * "1e400" parse (as Pydantic's do) to numbers that are not finite, which validation then refuses.
 */
export function laxNumber(value: unknown): Converted<number> {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return NOT_CONVERTED;
  const trimmed = value.trim();
  if (DECIMAL.test(trimmed)) return Number(trimmed);
  if (NON_FINITE_WORD.test(trimmed)) return /nan/i.test(trimmed) ? Number.NaN : trimmed.startsWith('-') ? -Infinity : Infinity;
  // pydantic-core's second try: single underscores between digits, on the untrimmed string.
  const stripped = withoutUnderscores(value);
  return stripped !== null && DECIMAL.test(stripped) ? Number(stripped) : NOT_CONVERTED;
}

/** A boolean from Pydantic's words (any case; "0" and "1" as they are) or from the numbers 0 and 1. */
export function laxBoolean(value: unknown): Converted<boolean> {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : NOT_CONVERTED;
  if (typeof value !== 'string' || value.length > 5) return NOT_CONVERTED;
  const word = value === '0' || value === '1' ? value : value.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  return FALSE_WORDS.has(word) ? false : NOT_CONVERTED;
}

/**
 * pydantic-core's cleaning of an integer string: one sign, leading zeros dropped, a "." followed
 * only by zeros dropped, single underscores between digits removed; null when it is not an integer.
 */
function integerDigits(text: string): string | null {
  let rest = text;
  let sign = '';
  if (rest.startsWith('+')) {
    rest = rest.slice(1);
    if (rest.startsWith('-')) return null;
  }
  if (rest.startsWith('-')) {
    sign = '-';
    rest = rest.slice(1);
  }
  if (rest.startsWith('+') || rest.startsWith('-')) return null;
  const dot = rest.indexOf('.');
  if (dot !== -1) {
    const fraction = rest.slice(dot + 1);
    if (fraction.length === 0 || !/^0+$/.test(fraction)) return null;
    rest = rest.slice(0, dot);
  }
  if (rest.includes('_')) {
    const stripped = withoutUnderscores(rest);
    if (stripped === null) return null;
    rest = stripped;
  }
  if (rest.length === 0 || rest.length > MAX_INT_DIGITS || !DIGITS.test(rest)) return null;
  return sign + rest;
}

/** "1_000" → "1000"; null when an underscore leads, trails or doubles (Python refuses those) or there is none. */
function withoutUnderscores(text: string): string | null {
  if (!text.includes('_') || text.startsWith('_') || text.endsWith('_') || text.includes('__')) return null;
  return text.replaceAll('_', '');
}
