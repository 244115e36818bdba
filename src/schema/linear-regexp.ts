import { createRequire } from 'node:module';
import type { Ajv, KeywordCxt, Name } from 'ajv';
import type { RE2JS } from 're2js';

// re2js loads with the first schema `pattern` compiled: an app without one does not pay for it.
const require = createRequire(import.meta.url);

/**
 * A schema's `pattern` (and `patternProperties`, `propertyNames`), as ajv runs them on the client's
 * strings: by RE2's engine (re2js), whose time is linear in the string whatever the pattern, where
 * V8's and JavaScriptCore's backtracking engines take exponential time on a pattern like
 * `^(a+)+$` (one 30-character string held the event loop for seconds). Pydantic runs FastAPI's
 * `pattern=` the same way, with Rust's linear `regex`. ajv's `code.regExp` option takes it.
 */
export interface LinearRegExp {
  test(input: string): boolean;
  toString(): string;
}

/** Why a pattern cannot be run in linear time: said at startup, naming the route's schema. */
export class UnsupportedPattern extends Error {
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`the pattern ${JSON.stringify(pattern)} ${reason}`);
  }
}

/**
 * ajv's `code.regExp`: compiles an ECMAScript pattern (JSON Schema's dialect; ajv's `u` flag, which
 * is always meant) for RE2. Throws UnsupportedPattern for what RE2 cannot do in linear time
 * (lookaround, backreferences, as Pydantic refuses them), would read otherwise, or cannot compile;
 * and JavaScript's SyntaxError for a pattern that is not valid ECMAScript.
 */
export const linearRegExp = Object.assign(
  (pattern: string): LinearRegExp => {
    let compiled = compiledPatterns.get(pattern);
    if (compiled === undefined) compiledPatterns.set(pattern, (compiled = compile(pattern)));
    return compiled;
  },
  // ajv's standalone code names the engine by this; loopwise never generates standalone code.
  { code: 'linearRegExp' },
);

/**
 * One compiled pattern per pattern text, shared by every ajv instance: a request that fails is
 * checked by a first-error validator, then by the one that lists its errors, each in its own
 * instance. The second asks about the same string, and gets the first's answer without a second
 * pass over it.
 */
const compiledPatterns = new Map<string, LinearRegExp>();

function compile(pattern: string): LinearRegExp {
  // Checked as ECMAScript first: a pattern JavaScript refuses is refused with its own message.
  new RegExp(pattern, 'u');
  const { RE2JS: Engine } = require('re2js') as { RE2JS: typeof RE2JS };
  let compiled: RE2JS;
  try {
    compiled = Engine.compile(toRe2Syntax(pattern));
  } catch (error) {
    if (error instanceof UnsupportedPattern) throw error;
    throw new UnsupportedPattern(
      pattern,
      `cannot be compiled by RE2, the linear-time engine (${(error as Error).message}). RE2 names Unicode properties briefly (\\p{L}, \\p{Lu}, \\p{Greek}, not \\p{Letter} or \\p{sc=Grek}) and repeats at most 1000 times ({1001} or nested repeats past it)`,
    );
  }
  // ajv keeps one compiled pattern per toString() in an instance: it must be the pattern's own.
  const key = `/${pattern}/u`;
  // A long string's answer, kept until this turn of the loop ends: the error-listing pass that
  // follows a failed first pass, in the same call, asks again. Never kept past it (the string may be a megabyte).
  let lastInput: string | undefined;
  let lastAnswer = false;
  const forget = () => {
    lastInput = undefined;
  };
  return {
    test(input: string): boolean {
      if (input === lastInput) return lastAnswer;
      const answer = compiled.test(input);
      if (input.length >= REMEMBERED_LENGTH) {
        if (lastInput === undefined) queueMicrotask(forget);
        lastInput = input;
        lastAnswer = answer;
      }
      return answer;
    },
    toString: () => key,
  };
}

/** Strings from this length on are matched once per turn of the loop: shorter ones cost less to match again than to remember. */
const REMEMBERED_LENGTH = 4096;

/** JavaScript's `\s`: Unicode's White_Space and the BOM (RE2's is ASCII only). */
const JS_SPACE_RANGES: [number, number][] = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];

const hex = (code: number) => `\\x{${code.toString(16)}}`;
const rangeText = ([from, to]: [number, number]) => (from === to ? hex(from) : `${hex(from)}-${hex(to)}`);

/** `\s` as the members of an RE2 character class. */
const SPACE = JS_SPACE_RANGES.map(rangeText).join('');
/** `\S`, the complement of `\s`, as members too (RE2 cannot negate inside a class). */
const NON_SPACE = JS_SPACE_RANGES.reduce<{ ranges: string; next: number }>(
  ({ ranges, next }, [from, to]) => ({ ranges: next < from ? ranges + rangeText([next, from - 1]) : ranges, next: to + 1 }),
  { ranges: '', next: 0 },
);
const NON_SPACE_MEMBERS = `${NON_SPACE.ranges}${rangeText([NON_SPACE.next, 0x10ffff])}`;
/** ECMAScript's `.` (u flag): any code point but the four line terminators (RE2's `.` stops at `\n` only). */
const JS_DOT = `[^\\n\\r\\x{2028}\\x{2029}]`;

/**
 * An ECMAScript pattern in RE2's syntax, with ECMAScript's meaning where the two differ: `\s`, `\S`
 * and `.`, `\uXXXX` (a surrogate pair as its code point), `\u{…}`, `\cX`, `\0`, `[\b]`, `[]` and
 * `[^]`, a `[` inside a class, `(?<name>`, `\p{Script=…}`. Lookaround and backreferences have no
 * linear-time meaning, and modifier groups and script extensions none in RE2 that is ECMAScript's: refused.
 */
export function toRe2Syntax(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!;
    if (char === '\\') {
      const [text, used] = escapeAt(source, i, inClass);
      out += text;
      i += used - 1;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      // A '[' in an ECMAScript class is itself; RE2 would read `[[:digit:]` as a POSIX class.
      out += char === '[' ? '\\[' : char;
      continue;
    }
    if (char === '[') {
      if (source.startsWith('[]', i)) {
        out += '[^\\x{0}-\\x{10ffff}]';
        i += 1;
      } else if (source.startsWith('[^]', i)) {
        out += '[\\x{0}-\\x{10ffff}]';
        i += 2;
      } else {
        inClass = true;
        out += char;
        if (source[i + 1] === '^') out += source[++i];
      }
      continue;
    }
    if (char === '.') {
      out += JS_DOT;
      continue;
    }
    if (char === '(' && source[i + 1] === '?') {
      const after = source.slice(i + 2, i + 4);
      if (after[0] === '=' || after[0] === '!' || after === '<=' || after === '<!') {
        throw new UnsupportedPattern(source, 'uses lookaround ((?=, (?!, (?<=, (?<!), which no linear-time engine runs: write it without');
      }
      if (after[0] === '<') {
        out += '(?P<';
        i += 2;
        continue;
      }
      if (after[0] !== ':') {
        // (?i:…), (?s:…), (?m:…): ECMAScript's modifiers, whose s and m mean other line ends than RE2's.
        throw new UnsupportedPattern(source, 'uses a modifier group ((?i:, (?s:, (?m:), which the linear-time engine does not read as JavaScript does: write it without');
      }
    }
    out += char;
  }
  return out;
}

/** The escape at `source[at]` (a backslash) in RE2's syntax, and how many characters it took. */
function escapeAt(source: string, at: number, inClass: boolean): [string, number] {
  const next = source[at + 1] ?? '';
  switch (next) {
    case 's':
      return [inClass ? SPACE : `[${SPACE}]`, 2];
    case 'S':
      return [inClass ? NON_SPACE_MEMBERS : `[${NON_SPACE_MEMBERS}]`, 2];
    case 'u': {
      if (source[at + 2] === '{') {
        const end = source.indexOf('}', at + 3);
        return [`\\x{${source.slice(at + 3, end)}}`, end - at + 1];
      }
      const unit = Number.parseInt(source.slice(at + 2, at + 6), 16);
      // A surrogate pair written as two escapes is one code point under the u flag.
      const low = source.startsWith('\\u', at + 6) ? Number.parseInt(source.slice(at + 8, at + 12), 16) : Number.NaN;
      if (unit >= 0xd800 && unit <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) return [hex((unit - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000), 12];
      return [hex(unit), 6];
    }
    case 'c':
      return [hex(source.charCodeAt(at + 2) % 32), 3];
    case '0':
      return ['\\x{0}', 2];
    case 'b':
      // In a class, ECMAScript's \b is the backspace character; outside it, a word boundary in both.
      return [inClass ? '\\x{8}' : '\\b', 2];
    case 'k':
      throw new UnsupportedPattern(source, 'uses a backreference (\\k<name>), which no linear-time engine runs: write it without');
    case 'p':
    case 'P': {
      // ECMAScript's \p{Script=Greek} and \p{General_Category=L} are RE2's \p{Greek} and \p{L}.
      const end = source.indexOf('}', at);
      const property = source.slice(at + 3, end);
      if (/^(Script_Extensions|scx)=/.test(property)) throw new UnsupportedPattern(source, `uses \\${next}{${property}}: RE2 knows a character's script, not its script extensions`);
      const name = property.replace(/^(Script|sc|General_Category|gc)=/, '');
      return [`\\${next}{${name}}`, end - at + 1];
    }
    default:
      if (next >= '1' && next <= '9') throw new UnsupportedPattern(source, `uses a backreference (\\${next}), which no linear-time engine runs: write it without`);
      return [`\\${next}`, 2];
  }
}

/**
 * ajv's `pattern` keyword again, with one difference: a string whose length in UTF-16 units is over
 * twice its schema's `maxLength` (so over it in code points too, whatever the characters) is not
 * matched. Such a string fails `maxLength`, the one error Pydantic gives it too; the pass that lists
 * every error no longer runs the pattern on it as well. RE2's time is linear in the string times the
 * pattern's size, and a large Unicode pattern (`\p{L}{700}!`) leaves its lazy DFA for the NFA: a 1 MB
 * string then took 13 s. With a `maxLength`, a pattern reads at most twice that many units.
 * The error keeps ajv's shape (`params: {pattern}`), so 422s read as before.
 */
export function addBoundedPattern(ajv: Ajv): Ajv {
  const { _, str } = require('ajv') as typeof import('ajv');
  const { usePattern } = require('ajv/dist/vocabularies/code') as { usePattern(cxt: KeywordCxt, pattern: string): Name };
  ajv.removeKeyword('pattern');
  ajv.addKeyword({
    keyword: 'pattern',
    type: 'string',
    schemaType: 'string',
    error: {
      message: ({ schemaCode }) => str`must match pattern "${schemaCode}"`,
      params: ({ schemaCode }) => _`{pattern: ${schemaCode}}`,
    },
    code(cxt: KeywordCxt) {
      const { data, schema, parentSchema } = cxt;
      const pattern = usePattern(cxt, schema as string);
      const max = (parentSchema as { maxLength?: unknown }).maxLength;
      if (typeof max === 'number' && Number.isFinite(max) && max >= 0) cxt.fail(_`${data}.length <= ${2 * max} && !${pattern}.test(${data})`);
      else cxt.fail(_`!${pattern}.test(${data})`);
    },
  });
  return ajv;
}
