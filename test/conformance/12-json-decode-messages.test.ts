// Malformed JSON: FastAPI answers 422 `json_invalid` at ["body", <position>] with Python's json
// message in ctx.error (fastapi/routing.py: `"ctx": {"error": e.msg}` of json.JSONDecodeError).
// tests/test_tutorial/test_body/test_tutorial001.py::test_post_broken_body:
//   {"type":"json_invalid","loc":["body",1],"msg":"JSON decode error","input":{},
//    "ctx":{"error":"Expecting property name enclosed in double quotes"}}
// The other messages are CPython's json decoder's (Lib/json/decoder.py, Modules/_json.c).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';

const app = new App({ logger: false });
app.post('/items/', { body: t.Object({ name: t.String() }) }, ({ body }) => body);

async function decodeError(body: string): Promise<unknown> {
  const res = await app.inject({ method: 'POST', url: '/items/', body, headers: { 'content-type': 'application/json' } });
  assert.equal(res.statusCode, 422);
  const [issue] = res.json().detail;
  assert.equal(issue.type, 'json_invalid');
  assert.equal(issue.msg, 'JSON decode error');
  return [issue.loc, issue.ctx.error];
}

test("test_post_broken_body: '{some broken json}' → loc ['body', 1], Python's message", async () => {
  assert.deepEqual(await decodeError('{some broken json}'), [['body', 1], 'Expecting property name enclosed in double quotes']);
});

// Python: json.loads('{"name": }') → "Expecting value: line 1 column 10 (char 9)"
test("a missing value: 'Expecting value' at its position", async () => {
  assert.deepEqual(await decodeError('{"name": }'), [['body', 9], 'Expecting value']);
});

// Python: '{"name" "a"}' → "Expecting ':' delimiter" (char 8); '["a" "b"]' → "Expecting ',' delimiter" (char 5);
// '{"name":"a"} x' → "Extra data" (char 13); '{"name":"abc' → "Unterminated string starting at" (char 8).
test("delimiters, extra data and an unterminated string get Python's messages", async () => {
  assert.deepEqual(await decodeError('{"name" "a"}'), [['body', 8], "Expecting ':' delimiter"]);
  assert.deepEqual(await decodeError('["a" "b"]'), [['body', 5], "Expecting ',' delimiter"]);
  assert.deepEqual(await decodeError('{"name":"a"} x'), [['body', 13], 'Extra data']);
  assert.deepEqual(await decodeError('{"name":"abc'), [['body', 8], 'Unterminated string starting at']);
});
