import type { ValidationIssue } from './validation-issue.js';

/**
 * Pydantic's URL errors (pydantic-core's url validator): `url_parsing` "Input should be a valid URL,
 * <reason>" with the reason in ctx, `url_too_long`, and `url_scheme` for `HttpUrl`. The reasons are
 * rust-url's (the WHATWG URL parser, as Node's `URL`), worked out on the failure path only, in one
 * pass over the string.
 */

/** `t.String({ format: 'uri' })` (loopwise's spelling of a URL; `t.HttpUrl()` is one) and ajv-formats' `url`. */
export function isUrlSchema(schema: unknown): boolean {
  const format = typeof schema === 'object' && schema !== null ? (schema as { format?: unknown }).format : undefined;
  return format === 'uri' || format === 'url';
}

export function urlParsing(loc: (string | number)[], input: unknown): ValidationIssue {
  const error = typeof input === 'string' ? urlParsingReason(input) : 'invalid URL';
  return { type: 'url_parsing', loc, msg: `Input should be a valid URL, ${error}`, input, ctx: { error } };
}

export function urlTooLong(loc: (string | number)[], input: unknown, maxLength: unknown): ValidationIssue {
  return { type: 'url_too_long', loc, msg: `URL should have at most ${maxLength} characters`, input, ctx: { max_length: maxLength } };
}

/** `"'http' or 'https'"`, as pydantic lists the expected schemes. */
export function urlScheme(schemes: readonly string[]): { message: string; ctx: { expected_schemes: string } } {
  const quoted = schemes.map((s) => `'${s}'`);
  const expected = quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
  return { message: `URL scheme should be ${expected}`, ctx: { expected_schemes: expected } };
}

// Schemes the WHATWG parser gives a host (and so can find an empty or bad one in).
const SPECIAL = new Set(['http', 'https', 'ws', 'wss', 'ftp']);
const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
// What the WHATWG parser refuses in a domain (its "forbidden domain code points", the common ones).
const FORBIDDEN_IN_DOMAIN = /[\s<>^|%"`{}\\[\]]/;
const NUMERIC_HOST = /^(?:0x[0-9a-f]*|\d+)(?:\.(?:0x[0-9a-f]*|\d+))*\.?$/i;

/** rust-url's words for why a string is not a URL: "relative URL without a base", "empty host", … */
export function urlParsingReason(text: string): string {
  if (text === '') return 'input is empty';
  const trimmed = text.trim();
  const scheme = SCHEME.exec(trimmed);
  if (scheme === null) return 'relative URL without a base';
  const name = scheme[0].slice(0, -1).toLowerCase();
  if (!SPECIAL.has(name)) return 'invalid URL syntax';
  let rest = trimmed.slice(scheme[0].length);
  let slashes = 0;
  while (slashes < rest.length && (rest[slashes] === '/' || rest[slashes] === '\\')) slashes++;
  rest = rest.slice(slashes);
  const end = rest.search(/[/\\?#]/);
  let authority = end === -1 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  if (at !== -1) authority = authority.slice(at + 1);
  let host = authority;
  let port: string | null = null;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close === -1) return 'invalid IPv6 address';
    if (host.length > close + 1) port = host[close + 1] === ':' ? host.slice(close + 2) : 'x';
    host = host.slice(0, close + 1);
  } else {
    // The WHATWG host ends at the first ":" (rust-url: "http://:80" is an empty host).
    const colon = host.indexOf(':');
    if (colon !== -1) {
      port = host.slice(colon + 1);
      host = host.slice(0, colon);
    }
  }
  if (host === '') return 'empty host';
  if (port !== null && port !== '' && !(/^\d+$/.test(port) && Number(port) <= 65535)) return 'invalid port number';
  if (host.startsWith('[')) return 'invalid IPv6 address';
  if (FORBIDDEN_IN_DOMAIN.test(host)) return 'invalid domain character';
  if (NUMERIC_HOST.test(host)) return 'invalid IPv4 address';
  // A URL the WHATWG parser takes but RFC 3986 (ajv's `uri`) refuses, e.g. a space in its path.
  return URL.canParse(trimmed) ? 'invalid URL syntax' : 'invalid international domain name';
}
