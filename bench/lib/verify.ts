import { deepStrictEqual } from 'node:assert/strict';
import { readFileSync } from 'node:fs';

interface Check {
  what: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** The exact JSON expected back with 200, or 'rejected' for the server's refusal status. */
  expect: unknown;
}

/** The body wrk sends, read from the Lua script itself so the check and the load can never drift apart. */
export function echoBodyOf(scriptPath: string): string {
  const match = /wrk\.body\s*=\s*'([^']*)'/.exec(readFileSync(scriptPath, 'utf8'));
  if (match === null) throw new Error(`no wrk.body = '...' line in ${scriptPath}`);
  return match[1]!;
}

/**
 * Asks a server every question the bench will load it with, plus the ones it must refuse, and
 * throws on the first wrong answer: a server that answers the load with 404s or 500s would
 * "win" the bench while doing nothing. `rejects` is the exact status a refusal must have (422, or
 * Fastify's 400): a 400 from a server that should validate and answer 422 would mean it refused
 * for some other reason, e.g. before its validation ran.
 */
export async function verifyServer(port: number, echoBody: string, rejects: 400 | 422): Promise<void> {
  const checks: Check[] = [
    { what: 'GET /json', method: 'GET', path: '/json', expect: { message: 'hello' } },
    { what: 'GET /users/:id', method: 'GET', path: '/users/42', expect: { id: 42 } },
    { what: 'a non-integer id', method: 'GET', path: '/users/abc', expect: 'rejected' },
    { what: 'a fractional id', method: 'GET', path: '/users/4.5', expect: 'rejected' },
    { what: 'POST /echo', method: 'POST', path: '/echo', body: echoBody, expect: JSON.parse(echoBody) },
    { what: 'an echo body without age', method: 'POST', path: '/echo', body: '{"name":"Ada"}', expect: 'rejected' },
    { what: 'an echo body without name', method: 'POST', path: '/echo', body: '{"age":36}', expect: 'rejected' },
  ];
  for (const check of checks) {
    const response = await fetch(`http://127.0.0.1:${port}${check.path}`, {
      method: check.method,
      headers: check.body === undefined ? {} : { 'content-type': 'application/json' },
      body: check.body,
    });
    const text = await response.text();
    const where = `${check.what} (${check.method} ${check.path}${check.body === undefined ? '' : ` ${check.body}`})`;
    if (check.expect === 'rejected') {
      if (response.status !== rejects) throw new Error(`${where} should be rejected with ${rejects}, got ${response.status}: ${text}`);
      continue;
    }
    if (response.status !== 200) throw new Error(`${where} should answer 200, got ${response.status}: ${text}`);
    if (!(response.headers.get('content-type') ?? '').startsWith('application/json')) {
      throw new Error(`${where} should answer application/json, got ${response.headers.get('content-type')}`);
    }
    try {
      deepStrictEqual(JSON.parse(text), check.expect);
    } catch {
      throw new Error(`${where} should answer ${JSON.stringify(check.expect)}, got ${text}`);
    }
  }
}
