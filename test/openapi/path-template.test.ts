// find-my-way's path syntax read into OpenAPI's path templates, and the names made from paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toPathTemplate } from '../../src/openapi/path-template.js';
import { defaultOperationId, defaultSummary } from '../../src/openapi/operation-names.js';

test('each kind of path segment becomes its {param} template', () => {
  const cases: [string, string, { name: string; key: string; pattern?: string; wildcard?: true }[]][] = [
    ['/', '/', []],
    ['/items', '/items', []],
    ['/items/:id', '/items/{id}', [{ name: 'id', key: 'id' }]],
    ['/users/:userId/posts/:postId', '/users/{userId}/posts/{postId}', [{ name: 'userId', key: 'userId' }, { name: 'postId', key: 'postId' }]],
    ['/files/:name(^\\d+)', '/files/{name}', [{ name: 'name', key: 'name', pattern: '^\\d+$' }]],
    ['/files/:name(^(a|b)+$)', '/files/{name}', [{ name: 'name', key: 'name', pattern: '^(a|b)+$' }]],
    ['/range/:from-:to', '/range/{from}-{to}', [{ name: 'from', key: 'from' }, { name: 'to', key: 'to' }]],
    ['/files/:file.:ext', '/files/{file}.{ext}', [{ name: 'file', key: 'file' }, { name: 'ext', key: 'ext' }]],
    ['/static/*', '/static/{wildcard}', [{ name: 'wildcard', key: '*', wildcard: true }]],
    ['/files/*file_path', '/files/{file_path}', [{ name: 'file_path', key: 'file_path', wildcard: true }]],
    ['/users/:id/files/*rest', '/users/{id}/files/{rest}', [{ name: 'id', key: 'id' }, { name: 'rest', key: 'rest', wildcard: true }]],
    ['/time::now', '/time:now', []],
  ];
  for (const [path, template, params] of cases) assert.deepEqual(toPathTemplate(path), { template, params }, path);
});

test('default operationIds and summaries read as words of the method and path, or of the handler name', () => {
  assert.equal(defaultOperationId('GET', '/'), 'getRoot');
  assert.equal(defaultOperationId('GET', '/items/:id'), 'getItemsById');
  assert.equal(defaultOperationId('DELETE', '/users/:userId/api-keys/:key(^[a-f0-9]+$)'), 'deleteUsersByUserIdApiKeysByKey');
  assert.equal(defaultSummary('', 'GET', '/items/:id'), 'Get Items By Id');
  assert.equal(defaultSummary('listItems', 'GET', '/items'), 'List Items');
  assert.equal(defaultSummary('read_item', 'GET', '/items/:id'), 'Read Item');
  assert.equal(defaultSummary('bound handleThing', 'GET', '/x'), 'Handle Thing');
  assert.equal(defaultSummary('', 'GET', '/'), 'Get Root');
});
