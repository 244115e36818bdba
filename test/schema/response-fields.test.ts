// narrowResponseSchema(): the schema a route's response is serialized with under
// responseExcludeUnset / responseInclude / responseExclude, and the startup errors for mistakes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, LoopwiseError, t } from '../../src/index.js';
import { compileSerializer } from '../../src/schema/serializer.js';
import { narrowResponseSchema } from '../../src/schema/response-fields.js';

const Address = t.Object({ city: t.String(), country: t.String({ default: 'FR' }) });
const User = t.Object({
  name: t.String(),
  default: t.String({ default: 'a field named "default"' }),
  role: t.String({ default: 'member', enum: ['member', 'admin'] }),
  address: t.Optional(Address),
  history: t.Array(Address, { default: [] }),
});

function serialize(options: Parameters<typeof narrowResponseSchema>[1], schema = User): (value: unknown) => string {
  return compileSerializer(narrowResponseSchema(schema, options, 'GET /users'), 'GET /users', 200);
}

test('excludeUnset: nested objects and arrays of objects leave out what they lack; the declared schema is unchanged', () => {
  const write = serialize({ excludeUnset: true });
  assert.deepEqual(JSON.parse(write({ name: 'ada', address: { city: 'Paris' }, history: [{ city: 'Lyon' }] })), {
    name: 'ada',
    address: { city: 'Paris' },
    history: [{ city: 'Lyon' }],
  });
  assert.deepEqual(JSON.parse(write({ name: 'ada', default: 'set', role: 'member' })), { name: 'ada', default: 'set', role: 'member' });
  assert.equal(User.properties.role.default, 'member', 'the route keeps its schema (and its document)');
  assert.deepEqual(User.properties.role.enum, ['member', 'admin'], 'data keywords are copied as they are');
  const filled = compileSerializer(User, 'GET /users', 200);
  assert.deepEqual(JSON.parse(filled({ name: 'ada' })), { name: 'ada', default: 'a field named "default"', role: 'member', history: [] });
});

test('include / exclude pick top-level fields, of an object or of the objects in an array', () => {
  assert.deepEqual(JSON.parse(serialize({ include: ['name', 'role'] })({ name: 'ada', role: 'admin', history: [] })), { name: 'ada', role: 'admin' });
  assert.deepEqual(JSON.parse(serialize({ exclude: ['history', 'address', 'default'] })({ name: 'ada', address: { city: 'Paris' } })), { name: 'ada', role: 'member' });
  const list = serialize({ include: ['name'], excludeUnset: true }, t.Array(User) as never);
  assert.deepEqual(JSON.parse(list([{ name: 'a', role: 'admin' }, { name: 'b' }])), [{ name: 'a' }, { name: 'b' }]);
});

test('mistakes are startup errors that say what to do', () => {
  assert.throws(() => narrowResponseSchema(User, { include: ['nmae'] }, 'GET /users'), /no such field.*name, default, role/);
  assert.throws(() => narrowResponseSchema(t.String(), { exclude: ['x'] }, 'GET /users'), /not an object.*separate response schemas/);
  const app = new App({ logger: false, openapi: false });
  app.get('/users', { responseExcludeUnset: true }, () => ({}));
  assert.throws(() => app.ready(), (error: unknown) => error instanceof LoopwiseError && /declares none: add response: \{ 200/.test(String((error as Error).message + String((error as Error).cause ?? ''))));
});
