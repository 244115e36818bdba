import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import type { IncomingMessage } from 'node:http';
import { parse as parseJson } from 'secure-json-parse';
import { parse as parseQueryString } from 'fast-querystring';
import type { ParseError } from 'jsonc-parser';
import { HTTPException, LoopwiseError, RequestValidationError } from '../errors.js';
import type { BodyMediaType } from '../route.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';
import { checkPercentEncoding } from './percent-encoding.js';
import { refuseProtoKey } from './forbidden-keys.js';
import { requestHeader } from './request-header.js';

/** How the body was encoded; form and text values are strings and get coerced like query values. Multipart is streamed (src/forms/). */
export type BodyKind = 'json' | 'form' | 'text' | 'multipart';

const require = createRequire(import.meta.url);

const JSON_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;

const KINDS: Record<BodyMediaType, BodyKind> = {
  'application/json': 'json',
  'application/x-www-form-urlencoded': 'form',
  'text/plain': 'text',
  'multipart/form-data': 'multipart',
};

/**
 * What a route with a body reads when it does not say `consumes`: JSON only. Forms and plain text
 * are what a page on another site can POST with the user's cookies and no CORS preflight, so a
 * route takes them only where it declares them (docs/security.md, "CSRF").
 */
export const DEFAULT_CONSUMES: readonly BodyMediaType[] = ['application/json'];

/**
 * The decoder Content-Type asks for, or null for a type loopwise does not read; whether the
 * route takes it is the caller's check. A body without Content-Type is not read as JSON: that is
 * FastAPI's strict content-type check (0.132, on by default), and what a page on another site can
 * send without a CORS preflight (`fetch` with an untyped Blob, `navigator.sendBeacon`).
 */
export function bodyKindOf(request: IncomingMessage): BodyKind | null {
  const mime = mediaTypeOf(request);
  if (mime === null) return null;
  // FastAPI's rule: application/json or application/*+json (so application/geo+json, not application/geo+json-seq).
  if (mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'))) return 'json';
  return Object.hasOwn(KINDS, mime) ? KINDS[mime as BodyMediaType] : null;
}

/** The decoder for a media type a route `consumes`. */
export function bodyKindOfMediaType(type: BodyMediaType): BodyKind {
  if (!Object.hasOwn(KINDS, type)) throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `consumes: "${type}" is not a body type loopwise reads; use ${Object.keys(KINDS).join(', ')}.`);
  return KINDS[type];
}

/** The request's media type, lower case and without parameters; null without a Content-Type. */
export function mediaTypeOf(request: IncomingMessage): string | null {
  const header = requestHeader(request, 'content-type');
  if (header === undefined || header === '') return null;
  const semicolon = header.indexOf(';');
  return (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
}

/**
 * Decodes the raw bytes. An empty JSON or text body is `undefined`, so a required body reports
 * "missing"; an empty form is a form without fields, so each required field does, as in FastAPI.
 */
export function decodeBody(raw: Uint8Array, kind: BodyKind): unknown {
  if (raw.length === 0) return kind === 'form' ? {} : undefined;
  const text = utf8Text(raw);
  if (kind === 'text') return text;
  if (kind === 'form') {
    checkPercentEncoding(text, 'form body');
    const fields = parseQueryString(text) as object;
    refuseProtoKey(fields, 'form body');
    return { ...fields };
  }
  if (nestsDeeperThan(raw, MAX_JSON_DEPTH)) {
    throw new HTTPException(400, `Bad Request: the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    return parseJson(text, undefined, JSON_OPTIONS);
  } catch (error) {
    const message = (error as Error).message;
    if (message.includes('forbidden prototype property')) {
      throw new HTTPException(400, 'Request body contains a forbidden __proto__ or constructor.prototype key');
    }
    const found = locateError(text);
    throw new RequestValidationError([
      {
        type: 'json_invalid',
        loc: ['body', found?.offset ?? 0],
        msg: 'JSON decode error',
        input: {},
        ctx: { error: found?.message ?? message },
      },
    ]);
  }
}

/** A BOM stays in the text, as Buffer's toString() keeps it (JSON's parser skips it, a text body keeps it). */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The body as text. Bytes that are not UTF-8 are refused: a lenient decoder would turn them into
 * U+FFFD, and the handler would get text the client never sent. Node's bodies are Buffers; Bun's
 * server hands over its own bytes, decoded and checked in one native step instead of copied first.
 */
function utf8Text(raw: Uint8Array): string {
  if (Buffer.isBuffer(raw)) {
    if (!isUtf8(raw)) throw notUtf8();
    return raw.toString('utf8');
  }
  try {
    return STRICT_UTF8.decode(raw);
  } catch {
    throw notUtf8();
  }
}

/** The body as text, bytes that are not UTF-8 as U+FFFD: for quoting a body that is refused unread. */
export function lenientText(raw: Uint8Array): string {
  return Buffer.isBuffer(raw) ? raw.toString('utf8') : LENIENT_UTF8.decode(raw);
}

const LENIENT_UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });

function notUtf8(): HTTPException {
  return new HTTPException(400, 'Bad Request: the request body is not valid UTF-8');
}

/**
 * Python's json messages (which FastAPI quotes in `ctx.error`) for the errors VS Code's tolerant
 * parser reports, by its ParseErrorCode: FastAPI's clients and tests compare these texts.
 */
const PYTHON_MESSAGES: Record<number, string> = {
  3: 'Expecting property name enclosed in double quotes', // PropertyNameExpected
  5: "Expecting ':' delimiter", // ColonExpected
  6: "Expecting ',' delimiter", // CommaExpected
  7: "Expecting ',' delimiter", // CloseBraceExpected
  8: "Expecting ',' delimiter", // CloseBracketExpected
  9: 'Extra data', // EndOfFileExpected
  12: 'Unterminated string starting at', // UnexpectedEndOfString
  14: 'Invalid \\uXXXX escape', // InvalidUnicode
  15: 'Invalid \\escape', // InvalidEscapeCharacter
  16: 'Invalid control character at', // InvalidCharacter
};

/**
 * Where the JSON goes wrong and why, as Python's json (and so FastAPI) reports it. V8's messages
 * often carry no position ("Unexpected token '}', … is not valid JSON") and are worded otherwise,
 * so on this failure path only, VS Code's tolerant parser locates the first error. Null when it
 * finds none: the caller reports the start and V8's message.
 */
function locateError(text: string): { offset: number; message: string } | null {
  const errors: ParseError[] = [];
  try {
    // Loaded on the first malformed body, not at start: most processes never see one.
    const { parse: parseTolerant } = require('jsonc-parser') as typeof import('jsonc-parser');
    parseTolerant(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  } catch {
    // The tolerant parser recurses once per nesting level: "[" repeated 100 000 times (invalid
    // JSON, well under the body limit) overflowed its stack and the client got 500. Past that
    // depth the error's place is not worth a stack: report the start, as when none is found.
  }
  const first = errors[0];
  if (first === undefined) return null;
  const offset = first.offset;
  const known = PYTHON_MESSAGES[first.error];
  if (known !== undefined) return { offset, message: known };
  // A bare word (`{some json}`) is an unknown symbol to VS Code's parser; Python names what it expected there.
  const before = text.slice(0, offset).trimEnd();
  if (before.endsWith('{')) return { offset, message: 'Expecting property name enclosed in double quotes' };
  if (before !== '' && isJson(before)) return { offset, message: 'Extra data' };
  return { offset, message: 'Expecting value' };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
