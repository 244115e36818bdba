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
 *
 * Every other format of ajv-formats' "full" mode ran in linear time on 1 MiB adversarial strings.
 */
export function addLinearFormats(ajv: Ajv): Ajv {
  ajv.addFormat('url', isUrl);
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
