import { HTTPException } from '../errors.js';

/**
 * 401 with the challenge a client needs to know how to authenticate (RFC 9110 §11.6.1). Always
 * "Not authenticated", as current FastAPI answers for missing, other-scheme and malformed credentials.
 */
export function unauthorized(challenge: string): HTTPException {
  return new HTTPException(401, 'Not authenticated', { 'www-authenticate': challenge });
}

/** "Bearer abc" → ["Bearer", "abc"]; a missing header or one without a space has no credentials. */
export function splitAuthorization(header: string | string[] | undefined): { scheme: string; credentials: string } | null {
  if (typeof header !== 'string') return null;
  const value = header.trim();
  const space = value.indexOf(' ');
  if (space <= 0) return null;
  const credentials = value.slice(space + 1).trim();
  return credentials === '' ? null : { scheme: value.slice(0, space), credentials };
}
