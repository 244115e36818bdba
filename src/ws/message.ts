import { createRequire } from 'node:module';
import { parse as parseJson } from 'secure-json-parse';
import type { TSchema } from '@sinclair/typebox';
import type FastJson from 'fast-json-stringify';
import { LoopwiseError } from '../errors.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../pipeline/json-depth.js';
import type { ValidationLimits } from '../schema/validation-limits.js';
import { compileValidator, type SchemaNamespace } from '../schema/validator.js';
import type { ValidationIssue } from '../schema/validation-issue.js';
import { CloseCode } from './close-codes.js';
import type { DecodedMessage, MessageDecoder } from './typed-socket.js';

/** What a route's `message` option may be: a schema (JSON text frames), `'text'`, `'binary'`, or nothing (both, raw). */
export type MessageOption = TSchema | 'text' | 'binary';

const JSON_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;

// fast-json-stringify loads when the first route with a `send` schema is compiled (at listen), not at import.
const require = createRequire(import.meta.url);

/**
 * Compiles a route's `message` option, once, into what each incoming frame goes through: a
 * schema means JSON text frames, parsed safely and validated as bodies are (exactly, defaults
 * applied); a frame that fails closes the socket with 1007, a binary frame with 1003. A frame
 * nesting deeper than MAX_JSON_DEPTH is refused before parsing, as an HTTP body is: a recursive
 * schema's validator recurses once a level, and 160 KB of brackets overflowed the stack.
 */
export function compileMessageDecoder(option: MessageOption | undefined, route: string, namespace?: SchemaNamespace, limits?: ValidationLimits): MessageDecoder<unknown> {
  if (option === undefined) return (data, isBinary) => ({ ok: true, value: isBinary ? data : data.toString('utf8') });
  if (option === 'text') {
    return (data, isBinary) => (isBinary ? refuse(CloseCode.UNSUPPORTED_DATA, 'Binary messages are not accepted: send text') : { ok: true, value: data.toString('utf8') });
  }
  if (option === 'binary') {
    return (data, isBinary) => (isBinary ? { ok: true, value: data } : refuse(CloseCode.UNSUPPORTED_DATA, 'Text messages are not accepted: send binary'));
  }
  if (typeof option !== 'object' || option === null) {
    throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `the message option of ${route} must be a schema built with t, 'text' or 'binary', not ${JSON.stringify(option)}.`);
  }
  const validate = compileValidator(option, 'body', { coerce: false, route, namespace, limits });
  return (data, isBinary) => {
    if (isBinary) return refuse(CloseCode.UNSUPPORTED_DATA, 'Binary messages are not accepted: send JSON text');
    if (nestsDeeperThan(data, MAX_JSON_DEPTH)) return refuse(CloseCode.INVALID_PAYLOAD, `Invalid message: JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
    const text = data.toString('utf8');
    let value: unknown;
    try {
      value = parseJson(text, undefined, JSON_OPTIONS);
    } catch (error) {
      const message = (error as Error).message;
      if (message.includes('forbidden prototype property')) {
        return refuse(CloseCode.INVALID_PAYLOAD, 'Invalid message: forbidden __proto__ or constructor.prototype key');
      }
      const issue: ValidationIssue = { type: 'json_invalid', loc: ['message'], msg: 'JSON decode error', input: {}, ctx: { error: message } };
      return refuse(CloseCode.INVALID_PAYLOAD, 'Invalid message: JSON decode error', [issue]);
    }
    const issues = validate(value);
    if (issues === null) return { ok: true, value };
    // Located as FastAPI would name a message's part if it had one: ["message", "text"].
    const located = issues.map((issue) => ({ ...issue, loc: ['message', ...issue.loc.slice(1)] }));
    return refuse(CloseCode.INVALID_PAYLOAD, reasonFor(located), located);
  };
}

/** "Invalid message: text: Input should be a valid string (+1 more)": the first issue, short enough for a close frame. */
export function reasonFor(issues: ValidationIssue[]): string {
  const first = issues[0]!;
  const path = first.loc.slice(1).join('.');
  const more = issues.length > 1 ? ` (+${issues.length - 1} more)` : '';
  return `Invalid message: ${path === '' ? '' : `${path}: `}${first.msg}${more}`;
}

/** Compiles a route's `send` schema, once, into the JSON text of each value `send()` takes; without one, JSON.stringify. */
export function compileSendSerializer(schema: TSchema | undefined, route: string): (value: unknown) => string {
  if (schema === undefined) return (value) => JSON.stringify(value) ?? 'null';
  const fastJson: typeof FastJson = require('fast-json-stringify');
  let serialize: (value: unknown) => string;
  try {
    serialize = fastJson(schema as unknown as Parameters<typeof FastJson>[0]) as (value: unknown) => string;
  } catch (error) {
    throw new LoopwiseError('LW_ERR_SCHEMA_INVALID', `the send schema of ${route} cannot be compiled (${(error as Error).message}).`, { cause: error });
  }
  return (value) => {
    try {
      return serialize(value);
    } catch (error) {
      throw new LoopwiseError('LW_ERR_RESPONSE_SERIALIZATION', `a message sent by ${route} does not fit its send schema (${(error as Error).message})`, { cause: error });
    }
  };
}

function refuse(code: number, reason: string, detail?: unknown): DecodedMessage<never> {
  return { ok: false, code, reason, detail };
}
