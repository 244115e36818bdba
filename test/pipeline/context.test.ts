// RequestContext keeps the state most requests never set (body, deps, the reply, background tasks,
// parsed query and cookies) as prototype defaults: each context's own once set, never another's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { RequestContext } from '../../src/pipeline/context.js';

function request(url: string, headers: Record<string, string> = {}): IncomingMessage {
  return { url, method: 'GET', headers } as unknown as IncomingMessage;
}

test('state set on one context never shows on another, and the prototype keeps its defaults', () => {
  const first = new RequestContext(request('/a?x=1', { cookie: 'k=v' }), { id: 1 }, undefined);
  const second = new RequestContext(request('/b'), {}, undefined);
  first.body = { name: 'Ada' };
  first.deps = { user: 'ada' };
  first.reply.status(201);
  first.background.add(() => {});
  assert.deepEqual({ ...(first.query as object) }, { x: '1' });
  assert.deepEqual({ ...(first.cookies as object) }, { k: 'v' });
  first.headers = { 'x-token': 't' };

  assert.equal(second.body, undefined);
  assert.deepEqual(second.deps, {});
  assert.equal(second.replyState, undefined);
  assert.equal(second.backgroundState, undefined);
  assert.deepEqual({ ...(second.query as object) }, {});
  assert.deepEqual({ ...(second.cookies as object) }, {});
  assert.deepEqual(second.headers, {});
  // Each context's reply and tasks are its own objects.
  assert.notEqual(second.reply, first.reply);
  assert.notEqual(second.background, first.background);
  assert.equal(second.reply.statusCode, undefined);
  assert.equal(first.reply.statusCode, 201);
  assert.equal(first.background.tasks.length, 1);
  assert.equal(second.background.tasks.length, 0);

  const proto = RequestContext.prototype as unknown as Record<string, unknown>;
  for (const key of ['body', 'replyState', 'backgroundState', 'parsedQuery', 'parsedCookies', 'scope', 'timing', 'validHeaders']) {
    assert.equal(proto[key], undefined, key);
  }
  assert.deepEqual(proto.deps, {});
  assert.ok(Object.isFrozen(proto.deps));
});
