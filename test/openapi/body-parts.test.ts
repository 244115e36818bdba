// How src/openapi/document.ts documents a body of named parts: FastAPI's `Body_<operationId>`
// component (its exact shapes are checked in test/conformance/04-body-parameters.test.ts), one
// entry per `consumes` type, input forms of named schemas, a name a user's `$id` already took, and
// the result linted by Redocly as the every-feature app is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, t } from '../../src/index.js';
import { describeProblem, redoclyLint } from '../support/redocly-lint.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

// A schema with a default differs as input and output: the body refers to its input form.
const Item = t.Object({ name: t.String(), tags: t.Array(t.String(), { default: [] }) }, { $id: 'Item' });

function app(): App {
  const built = new App({ logger: false, title: 'Parts', version: '1.0.0' });
  built.put(
    '/items/:id',
    {
      params: t.Object({ id: t.Integer() }),
      body: { item: Item, note: t.Optional(t.String({ description: 'Why it changed.' })) },
      consumes: ['application/json', 'application/x-www-form-urlencoded'],
      response: { 200: Item },
    },
    ({ body }) => body.item,
  );
  // The same named schema in two parts: one component, referenced twice.
  built.post('/swap', { body: { old: Item, new: Item }, operationId: 'swapItems' }, () => null);
  return built;
}

test('the parts become Body_<operationId>, referenced from each content type', () => {
  const document = app().openapi();
  const operation = document.paths['/items/{id}']!.put!;
  const name = `Body_${operation.operationId}`;
  assert.deepEqual(operation.requestBody, {
    required: true,
    content: { 'application/json': { schema: ref(name) }, 'application/x-www-form-urlencoded': { schema: ref(name) } },
  });
  assert.deepEqual(document.components!.schemas![name], {
    title: name,
    type: 'object',
    properties: { item: ref('Item-Input'), note: { type: 'string', description: 'Why it changed.' } },
    required: ['item'],
  });
  assert.deepEqual(document.components!.schemas!.Body_swapItems, {
    title: 'Body_swapItems',
    type: 'object',
    properties: { old: ref('Item-Input'), new: ref('Item-Input') },
    required: ['old', 'new'],
  });
  assert.ok(operation.responses['422'], 'a route with a body can answer 422');
});

test("a user's schema already named Body_<operationId> is an error naming both places", () => {
  const taken = new App({ logger: false });
  taken.get('/taken', { response: { 200: t.Object({ x: t.String() }, { $id: 'Body_swapItems' }) } }, () => ({ x: '' }));
  taken.post('/swap', { body: { old: Item }, operationId: 'swapItems' }, () => null);
  assert.throws(() => taken.openapi(), /two different schemas are named "Body_swapItems": one in the 200 response of GET \/taken, another in the body of POST \/swap/);
});

test('the document lints clean with @redocly/cli (recommended rules)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-parts-lint-'));
  try {
    const file = join(dir, 'parts.json');
    writeFileSync(file, JSON.stringify(app().openapi()));
    const problems = await redoclyLint(file);
    assert.deepEqual(problems.filter((p) => p.ruleId !== 'info-license').map(describeProblem), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
