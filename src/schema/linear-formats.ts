import { createRequire } from 'node:module';
import type { Ajv } from 'ajv';

type FormatDefinition = RegExp | ((text: string) => boolean) | { validate: RegExp | ((text: string) => boolean) };
type Formats = { fullFormats: Record<string, FormatDefinition> };
// ajv-formats' own checks, loaded with the first schema that names a format (as validator.ts loads
// ajv-formats): CommonJS, its exports may sit on `.default`.
const require = createRequire(import.meta.url);
let loaded: Record<string, FormatDefinition> | undefined;
function fullFormatsOf(): Record<string, FormatDefinition> {
  if (loaded === undefined) {
    const formatsModule = require('ajv-formats/dist/formats.js') as Formats & { default?: Formats };
    loaded = (formatsModule.default ?? formatsModule).fullFormats;
  }
  return loaded;
}

/**
 * ajv-formats' checks whose cost grows faster than the string, or that allocate one string per
 * character (each format timed on 16 KiB to 1 MiB adversarial strings; docs/limits.md), replaced by checks of the same meaning in linear time:
 *
 * - `url`: its regex tries every split of `\S+(?::\S*)?@`: "http://" + 40 000 ":" took 7 s.
 * - `date-time`, `iso-date-time`: `split(/t|\s/)` made one string per "T" (0.7 s per MiB).
 * - `uri`, `uri-reference`: linear on V8, but on Bun (JavaScriptCore's regex engine) a value past
 *   some 50 000 characters took 1.4 to 7 s and was then refused even when valid: one 100 KB body
 *   held Bun's event loop for 14 s. `uri-template`: 2.5 ms per KB on Bun.
 *
 * Every other format of ajv-formats' "full" mode ran in linear time on 1 MiB adversarial strings (Node and Bun).
 */
export function addLinearFormats(ajv: Ajv): Ajv {
  ajv.addFormat('url', isUrl);
  ajv.addFormat('uri', (text) => isUri(text, URI_CHARS, false));
  ajv.addFormat('uri-reference', (text) => isUri(text, URI_REFERENCE_CHARS, true));
  ajv.addFormat('uri-template', isUriTemplate);
  ajv.addFormat('date-time', dateTime(check('date'), check('time')));
  ajv.addFormat('iso-date-time', dateTime(check('date'), check('iso-time')));
  return ajv;
}

function check(name: string): (text: string) => boolean {
  const format = fullFormatsOf()[name]!;
  const test = typeof format === 'object' && !(format instanceof RegExp) ? format.validate : format;
  return test instanceof RegExp ? (text) => test.test(text) : test;
}

/** A date, one "T", "t" or white space, a time: what `split(/t|\s/)` into two parts meant, without the split. */
function dateTime(date: (text: string) => boolean, time: (text: string) => boolean): (text: string) => boolean {
  return (text) => {
    const at = text.search(/t|\s/i);
    // Neither part can hold a second separator: their own checks refuse it.
    return at !== -1 && date(text.slice(0, at)) && time(text.slice(at + 1));
  };
}

// The url format's meaning: "http", "https" or "ftp", "://", optional user info (anything up to
// an "@"), a host (a public IPv4 address, or dot-separated names ending in a top-level name of 2+
// letters), an optional port of 2 to 5 digits, an optional path starting with "/"; no white space.
const SCHEME = /^(?:https?|ftp):\/\//i;
const WHITE_SPACE = /\s/;
const PORT = /^\d{2,5}$/;
// A public IPv4 address: not 10.*, 127.*, 169.254.*, 192.168.*, 172.16–31.*; first byte 1–223, last 1–254.
const PRIVATE_IPV4 = /^(?:(?:10|127)(?:\.\d{1,3}){3}|(?:169\.254|192\.168)(?:\.\d{1,3}){2}|172\.(?:1[6-9]|2\d|3[0-1])(?:\.\d{1,3}){2})/;
const IPV4 = /^(?:[1-9]\d?|1\d\d|2[01]\d|22[0-3])(?:\.(?:1?\d{1,2}|2[0-4]\d|25[0-5])){2}\.(?:[1-9]\d?|1\d\d|2[0-4]\d|25[0-4])$/;
// A name: letters, digits or non-ASCII, single hyphens inside; the last one letters only, 2 or more.
const LABEL = /^[a-z0-9\u{00a1}-\u{ffff}]+(?:-[a-z0-9\u{00a1}-\u{ffff}]+)*$/iu;
const TOP_LEVEL = /^[a-z\u{00a1}-\u{ffff}]{2,}$/iu;

function isUrl(text: string): boolean {
  const scheme = SCHEME.exec(text);
  if (scheme === null || WHITE_SPACE.test(text)) return false;
  const start = scheme[0].length;
  // The host and port run from the start (no user info) or from just after an "@" to the next
  // "/". Only the last "@" before a "/" can start them (the host holds no "@"), so one pass over
  // the "/"-separated stretches finds every candidate, and each stretch is checked once.
  let from = start;
  for (let first = true; from <= text.length; first = false) {
    let end = text.indexOf('/', from);
    if (end === -1) end = text.length;
    // Searched within the stretch only: a search back to the start would make this quadratic.
    const stretchAt = text.slice(from, end).lastIndexOf('@');
    const at = stretchAt === -1 ? -1 : from + stretchAt;
    if (at !== -1) {
      // User info is at least one character.
      if (at > start && isHostAndPort(text.slice(at + 1, end))) return true;
    } else if (first && isHostAndPort(text.slice(from, end))) {
      return true;
    }
    from = end + 1;
  }
  return false;
}

function isHostAndPort(text: string): boolean {
  const colon = text.indexOf(':');
  const host = colon === -1 ? text : text.slice(0, colon);
  if (colon !== -1 && !PORT.test(text.slice(colon + 1))) return false;
  if (IPV4.test(host) && !PRIVATE_IPV4.test(host)) return true;
  const labels = host.split('.');
  if (labels.length < 2 || !TOP_LEVEL.test(labels[labels.length - 1]!)) return false;
  for (let i = 0; i < labels.length - 1; i++) if (!LABEL.test(labels[i]!)) return false;
  return true;
}

// RFC 3986's parts, as ajv-formats' `uri` and `uri-reference` read them, checked part by part with
// character tables: one pass, whatever the engine. Each table is the part's characters besides
// "%XX" escapes, which every part but a port takes (letters count in either case).
type CharSet = (code: number) => boolean;
const inSet = (chars: string): CharSet => {
  const table = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) {
    const code = chars.charCodeAt(i);
    table[code] = 1;
    // Letters in either case (ajv-formats' regexes are case-insensitive).
    if (code >= 97 && code <= 122) table[code - 32] = 1;
  }
  return (code) => code < 128 && table[code] === 1;
};
const UNRESERVED_SUB = "abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=";

interface UriChars {
  userinfo: CharSet;
  host: CharSet;
  /** A path segment's characters (pchar). */
  segment: CharSet;
  /** A query's and a fragment's. */
  tail: CharSet;
}
const URI_CHARS: UriChars = {
  userinfo: inSet(UNRESERVED_SUB + ':'),
  host: inSet(UNRESERVED_SUB),
  segment: inSet(UNRESERVED_SUB + ':@'),
  tail: inSet(UNRESERVED_SUB + ':@/?'),
};
// ajv-formats' `uri-reference` also takes '"' outside the user info.
const URI_REFERENCE_CHARS: UriChars = {
  userinfo: URI_CHARS.userinfo,
  host: inSet(UNRESERVED_SUB + '"'),
  segment: inSet(UNRESERVED_SUB + ':@"'),
  tail: inSet(UNRESERVED_SUB + ':@/?"'),
};
const SCHEME_START = inSet('abcdefghijklmnopqrstuvwxyz');
const SCHEME_CHAR = inSet('abcdefghijklmnopqrstuvwxyz0123456789+-.');
const HEX = inSet('0123456789abcdef');
const DIGIT = inSet('0123456789');
const FUTURE_CHAR = inSet(UNRESERVED_SUB + ':');

/** Whether text[from, to) is all `chars`, "%XX" escapes, and (if `slash`) "/". */
function allOf(text: string, from: number, to: number, chars: CharSet, slash = false): boolean {
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (chars(code) || (slash && code === 47)) continue;
    if (code === 37 /* % */ && i + 2 < to && HEX(text.charCodeAt(i + 1)) && HEX(text.charCodeAt(i + 2))) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

/**
 * ajv-formats' `uri` (`reference`: false: a scheme, then an authority with its path, an absolute
 * path or a rootless one) or `uri-reference` (the scheme and that part each optional); then an
 * optional "?query" and "#fragment".
 */
function isUri(text: string, chars: UriChars, reference: boolean): boolean {
  // The fragment starts at the first '#', the query at the first '?' before it: neither part's
  // characters include '#', and the path's include neither.
  const hash = text.indexOf('#');
  const end = hash === -1 ? text.length : hash;
  if (hash !== -1 && !allOf(text, hash + 1, text.length, chars.tail)) return false;
  const mark = text.indexOf('?');
  const hierEnd = mark !== -1 && mark < end ? mark : end;
  if (hierEnd < end && !allOf(text, hierEnd + 1, end, chars.tail)) return false;
  const scheme = schemeEnd(text, hierEnd);
  if (scheme !== -1 && isHierPart(text, scheme, hierEnd, chars, reference)) return true;
  // Without a scheme (uri-reference only): the whole of it a relative part, or nothing.
  return reference && isHierPart(text, 0, hierEnd, chars, true);
}

/** Just past "scheme:" at the start of text (before `limit`), or -1. */
function schemeEnd(text: string, limit: number): number {
  if (limit === 0 || !SCHEME_START(text.charCodeAt(0))) return -1;
  for (let i = 1; i < limit; i++) {
    const code = text.charCodeAt(i);
    if (code === 58 /* : */) return i + 1;
    if (!SCHEME_CHAR(code)) return -1;
  }
  return -1;
}

/** text[from, to) as "/" or "//" then an authority and its path, an absolute path, a rootless path, or (`optional`) nothing. */
function isHierPart(text: string, from: number, to: number, chars: UriChars, optional: boolean): boolean {
  if (from === to) return optional;
  if (text.charCodeAt(from) === 47 /* / */) {
    // One slash or two before the authority: each reading is tried.
    if (isAuthorityAndPath(text, from + 1, to, chars)) return true;
    if (from + 1 < to && text.charCodeAt(from + 1) === 47 && isAuthorityAndPath(text, from + 2, to, chars)) return true;
    // An absolute path: "/", or "/" and a first segment that is not empty.
    return from + 1 === to || (text.charCodeAt(from + 1) !== 47 && allOf(text, from + 1, to, chars.segment, true));
  }
  // A rootless path: a first segment that is not empty, then "/segment"s.
  return allOf(text, from, to, chars.segment, true);
}

/** [userinfo "@"] host [":" port], then a path of "/segment"s. */
function isAuthorityAndPath(text: string, from: number, to: number, chars: UriChars): boolean {
  let authorityEnd = text.indexOf('/', from);
  if (authorityEnd === -1 || authorityEnd > to) authorityEnd = to;
  if (!allOf(text, authorityEnd, to, chars.segment, true)) return false;
  // The user info holds no '@', nor does the host: one '@' at most.
  const at = text.indexOf('@', from);
  let hostFrom = from;
  if (at !== -1 && at < authorityEnd) {
    if (!allOf(text, from, at, chars.userinfo)) return false;
    hostFrom = at + 1;
  }
  let hostEnd: number;
  if (text.charCodeAt(hostFrom) === 91 /* [ */) {
    const close = text.indexOf(']', hostFrom);
    if (close === -1 || close >= authorityEnd || !isIpLiteral(text.slice(hostFrom + 1, close))) return false;
    hostEnd = close + 1;
  } else {
    // A registered name (an IPv4 address is one too): up to a ':' that starts the port.
    hostEnd = text.indexOf(':', hostFrom);
    if (hostEnd === -1 || hostEnd > authorityEnd) hostEnd = authorityEnd;
    if (!allOf(text, hostFrom, hostEnd, chars.host)) return false;
  }
  if (hostEnd === authorityEnd) return true;
  if (text.charCodeAt(hostEnd) !== 58 /* : */) return false;
  for (let i = hostEnd + 1; i < authorityEnd; i++) if (!DIGIT(text.charCodeAt(i))) return false;
  return true;
}

// The longest IPv6 address in text ("ffff:…:255.255.255.255") is 45 characters.
const IPV6_MAX_LENGTH = 45;

/** What goes between "[" and "]": an IPv6 address (ajv-formats' own check, on at most 45 characters) or "v" hex "." and more. */
function isIpLiteral(inner: string): boolean {
  if (inner.length > 0 && (inner.charCodeAt(0) | 32) === 118 /* v */) {
    const dot = inner.indexOf('.');
    if (dot < 2 || dot === inner.length - 1) return false;
    for (let i = 1; i < dot; i++) if (!HEX(inner.charCodeAt(i))) return false;
    for (let i = dot + 1; i < inner.length; i++) if (!FUTURE_CHAR(inner.charCodeAt(i))) return false;
    return true;
  }
  return inner.length <= IPV6_MAX_LENGTH && check('ipv6')(inner);
}

const TEMPLATE_LITERAL_EXCLUDED = inSet('"\'<>%\\^`{|}');
const TEMPLATE_OPERATOR = inSet('+#./;?&=,!@|');
const VARIABLE_CHAR = inSet('abcdefghijklmnopqrstuvwxyz0123456789_');

/** ajv-formats' `uri-template`: literal characters (or "%XX") and `{…}` expressions of comma-separated variables, each with an optional ":length" or "*". */
function isUriTemplate(text: string): boolean {
  for (let i = 0; i < text.length; ) {
    const code = text.charCodeAt(i);
    if (code === 123 /* { */) {
      const next = expression(text, i + 1);
      if (next === -1) return false;
      i = next;
    } else if (code === 37 /* % */) {
      if (!HEX(text.charCodeAt(i + 1)) || !HEX(text.charCodeAt(i + 2))) return false;
      i += 3;
    } else {
      if (code <= 0x20 || TEMPLATE_LITERAL_EXCLUDED(code)) return false;
      i++;
    }
  }
  return true;
}

/** Just past the "}" of an expression whose "{" is before `from`, or -1. */
function expression(text: string, from: number): number {
  let i = from;
  if (TEMPLATE_OPERATOR(text.charCodeAt(i))) i++;
  for (;;) {
    // A variable name: one or more name characters or escapes.
    const start = i;
    while (i < text.length) {
      if (VARIABLE_CHAR(text.charCodeAt(i))) i++;
      else if (text.charCodeAt(i) === 37 && HEX(text.charCodeAt(i + 1)) && HEX(text.charCodeAt(i + 2))) i += 3;
      else break;
    }
    if (i === start) return -1;
    // A modifier: ":" and a length of 1 to 4 digits not starting with 0, or "*".
    if (text.charCodeAt(i) === 58 /* : */) {
      const digits = i + 1;
      if (!DIGIT(text.charCodeAt(digits)) || text.charCodeAt(digits) === 48) return -1;
      i = digits + 1;
      while (i < text.length && i - digits < 4 && DIGIT(text.charCodeAt(i))) i++;
    } else if (text.charCodeAt(i) === 42 /* * */) i++;
    const code = text.charCodeAt(i);
    if (code === 125 /* } */) return i + 1;
    if (code !== 44 /* , */) return -1;
    i++;
  }
}
