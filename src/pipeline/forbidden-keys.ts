import { HTTPException } from '../errors.js';

/**
 * Refuses (400) a query string or form body with a `__proto__` key, as JSON bodies with one are
 * refused (secure-json-parse). The parsed object has no prototype, but the copies handlers make
 * of it do: `Object.assign({}, body)` or a deep merge would take the client's value
 * (`__proto__=a&__proto__=b` is an array) as a prototype. `constructor` and `prototype` stay
 * ordinary keys, as in JSON, where only `constructor.prototype` is refused: flat fields cannot
 * nest, so they reach no prototype. One property lookup per parsed object.
 */
export function refuseProtoKey(parsed: object, what: 'query string' | 'form body'): void {
  if (Object.hasOwn(parsed, '__proto__')) throw protoKeyRefused(what);
}

export function protoKeyRefused(what: 'query string' | 'form body'): HTTPException {
  return new HTTPException(400, `Bad Request: the ${what} has a forbidden __proto__ key`);
}
