import { test } from 'node:test';
import assert from 'node:assert/strict';
import { branchLabel, withTags } from '../../src/schema/union-branches.js';

test('branches are named as pydantic names union members', () => {
  assert.equal(branchLabel({ type: 'integer' }), 'int');
  assert.equal(branchLabel({ type: 'number' }), 'float');
  assert.equal(branchLabel({ type: 'string' }), 'str');
  assert.equal(branchLabel({ type: 'boolean' }), 'bool');
  assert.equal(branchLabel({ type: 'array', items: { type: 'integer' } }), 'list[int]');
  assert.equal(branchLabel({ const: 'a', type: 'string' }), "literal['a']");
  assert.equal(branchLabel({ type: 'object', title: 'Image' }), 'Image');
  assert.equal(branchLabel({ type: 'object', $id: 'schemas/Pet' }), 'Pet');
  assert.equal(branchLabel({ type: 'object' }), 'object');
});

test('tags go after the part, at each union\'s depth; nested unions keep outer then inner', () => {
  assert.deepEqual(withTags(['body', 'x'], [{ at: 1, label: 'int' }]), ['body', 'x', 'int']);
  assert.deepEqual(withTags(['body', 'x', 0], [{ at: 1, label: 'list[int]' }]), ['body', 'x', 'list[int]', 0]);
  assert.deepEqual(withTags(['body', 'x'], [{ at: 1, label: 'outer' }, { at: 1, label: 'inner' }]), ['body', 'x', 'outer', 'inner']);
});
