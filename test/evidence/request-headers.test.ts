// --header and --auth-token: parsed into lowercased names, every mistake said plainly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerHeader, parseHeaderFlag, requestHeaders } from '../../src/evidence/request-headers.js';

test("--header 'Name: value': the name lowercased, both trimmed, a colon in the value kept", () => {
  assert.deepEqual(parseHeaderFlag('Authorization: Bearer abc'), ['authorization', 'Bearer abc']);
  assert.deepEqual(parseHeaderFlag('X-Url:http://a:1/b'), ['x-url', 'http://a:1/b']);
  assert.deepEqual(parseHeaderFlag('X-Empty:'), ['x-empty', '']);
});

test('--header mistakes: no colon, no name, a name with spaces, a value with a line break', () => {
  assert.throws(() => parseHeaderFlag('Authorization Bearer abc'), /--header takes 'Name: value' .* not "Authorization Bearer abc": there is no colon/);
  assert.throws(() => parseHeaderFlag(': abc'), /the name is missing/);
  assert.throws(() => parseHeaderFlag('X Token: abc'), /--header "X Token": the header name "X Token" is not a valid HTTP token/);
  assert.throws(() => parseHeaderFlag('X-A: a\rb'), /the header X-A has a character a header cannot carry/);
});

test('--auth-token TOKEN is Authorization: Bearer TOKEN; "Bearer x" or spaces are refused', () => {
  assert.deepEqual(bearerHeader('abc.def'), ['authorization', 'Bearer abc.def']);
  assert.throws(() => bearerHeader('Bearer abc'), /--auth-token takes the token alone, without "Bearer "/);
  assert.throws(() => bearerHeader(''), /--auth-token takes the token alone/);
});

test('a route with a body gets a JSON content type unless the headers name one', () => {
  assert.deepEqual(requestHeaders({ authorization: 'Bearer a' }, undefined), { authorization: 'Bearer a' });
  assert.deepEqual(requestHeaders({}, '{}'), { 'content-type': 'application/json' });
  assert.deepEqual(requestHeaders({ 'content-type': 'text/plain' }, 'x'), { 'content-type': 'text/plain' });
});
