import { t } from '../schema/t.js';
import { createDependency, type Dependency } from '../deps/dependency.js';
import { describe, fail } from './http.js';
import { splitAuthorization } from './unauthorized.js';

interface OAuth2PasswordBearerOptions<A extends boolean> {
  /** The route that exchanges username and password for a token, e.g. '/token' (Swagger UI's Authorize posts there). */
  tokenUrl: string;
  /** Scopes the token may carry, with their descriptions, for the docs. */
  scopes?: Record<string, string>;
  schemeName?: string;
  description?: string;
  autoError?: A;
}

/**
 * OAuth2's password flow (FastAPI's OAuth2PasswordBearer): the bearer token from `Authorization`,
 * unchecked; decode and verify it in your own dependency. Missing: 401 with `WWW-Authenticate: Bearer`.
 * In the docs, Swagger UI's Authorize asks for username and password and calls `tokenUrl`.
 */
export function oauth2PasswordBearer(options: OAuth2PasswordBearerOptions<true>): Dependency<string>;
export function oauth2PasswordBearer(options: OAuth2PasswordBearerOptions<false>): Dependency<string | null>;
export function oauth2PasswordBearer(options: OAuth2PasswordBearerOptions<boolean>): Dependency<unknown> {
  const schemeName = options.schemeName ?? 'OAuth2PasswordBearer';
  const scheme = { type: 'oauth2', flows: { password: { tokenUrl: options.tokenUrl, scopes: options.scopes ?? {} } }, ...describe(options) };
  return createDependency(
    { name: schemeName },
    ({ request }) => {
      const found = splitAuthorization(request.headers.authorization);
      if (found === null || found.scheme.toLowerCase() !== 'bearer') return fail(options, 'Bearer');
      return found.credentials;
    },
    { schemeName, scheme, scopes: [] },
  );
}

/**
 * The token route's form (FastAPI's OAuth2PasswordRequestForm), as OAuth2 (RFC 6749 §4.3.2) has
 * clients send it: `app.post('/token', oauth2PasswordForm, ({ body }) => …)`. `scope` is the
 * space-separated string as sent; split it with `body.scope.split(' ')`.
 */
export const OAuth2PasswordRequestForm = t.Object({
  grant_type: t.Optional(t.String({ pattern: '^password$' })),
  username: t.String(),
  password: t.String(),
  scope: t.String({ default: '' }),
  client_id: t.Optional(t.String()),
  client_secret: t.Optional(t.String()),
});

/**
 * Route options for the token route: the form above, read only as application/x-www-form-urlencoded.
 * `consumes` keeps its literal type, so the typed client sends the form (`form: { username, password }`), not JSON.
 */
export const oauth2PasswordForm = {
  body: OAuth2PasswordRequestForm,
  consumes: ['application/x-www-form-urlencoded'] as ['application/x-www-form-urlencoded'],
} as const;
