import { Kind, Type, type ArrayOptions, type ObjectOptions, type StringOptions, type TSchema } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';
import { IntegerKeysKind, RefineKind, RefinementIssue, SetKind, type RefineFunction } from './schema-marks.js';
import { urlParsingReason, urlScheme } from './url-errors.js';

/** `t.Refine(schema, check)`: the schema, with `check` to run on the value once it is valid (after-validation.ts). */
export function refine(schema: TSchema, check: RefineFunction): TSchema {
  if (typeof schema !== 'object' || schema === null) {
    throw new LoopwiseError('LW_ERR_SCHEMA_INVALID', 't.Refine(schema, check): the first argument must be a schema built with t.');
  }
  if (typeof check !== 'function') {
    throw new LoopwiseError('LW_ERR_SCHEMA_INVALID', `t.Refine(schema, check): check must be a function (value) => value, not ${typeof check}.`);
  }
  const earlier = (schema as unknown as Record<symbol, unknown>)[RefineKind];
  // A copy: the same schema stays usable without the check elsewhere. Spread keeps TypeBox's symbols.
  return { ...schema, [RefineKind]: [...(Array.isArray(earlier) ? earlier : []), check] } as TSchema;
}

/** `t.Set(items)`: an array of `items` whose repeats are dropped, as Python's `set[T]`. */
export function set(items: TSchema, options: ArrayOptions = {}): TSchema {
  // uniqueItems would refuse what a set quietly deduplicates; the OpenAPI document writes it from the mark.
  const { uniqueItems: _ignored, ...rest } = options;
  return { ...Type.Array(items, rest), [SetKind]: true } as TSchema;
}

/**
 * `t.Record(key, value)`; with `t.Integer()` keys, Python's `dict[int, T]`: documented as FastAPI
 * does (`additionalProperties` only), every key checked and written canonically after validation.
 */
export function record(key: TSchema, value: TSchema, options?: ObjectOptions): TSchema {
  if (typeof key === 'object' && key !== null && key.type === 'integer') {
    return { ...options, [Kind]: 'Record', type: 'object', additionalProperties: value, [IntegerKeysKind]: true } as unknown as TSchema;
  }
  return Type.Record(key, value, options) as TSchema;
}

const HTTP_SCHEMES = ['http', 'https'];

/** `t.HttpUrl()`: Pydantic's HttpUrl, a URL of 1 to 2083 characters whose scheme is http or https. */
export function httpUrl(options: StringOptions = {}): TSchema {
  return refine(Type.String({ format: 'uri', minLength: 1, maxLength: 2083, ...options }), checkHttpUrl);
}

function checkHttpUrl(value: string): undefined {
  // ajv's `uri` follows RFC 3986, which takes "http:" with no host; rust-url (pydantic) does not.
  if (!URL.canParse(value)) {
    const error = urlParsingReason(value);
    throw new RefinementIssue('url_parsing', `Input should be a valid URL, ${error}`, { error });
  }
  const scheme = value.slice(0, value.indexOf(':')).toLowerCase();
  if (!HTTP_SCHEMES.includes(scheme)) {
    const { message, ctx } = urlScheme(HTTP_SCHEMES);
    throw new RefinementIssue('url_scheme', message, ctx);
  }
  return undefined;
}
