// compileFailurePlan: how a failed validation is judged on a route with dependencies, as FastAPI's
// solve_dependencies does it — which dependencies are not called, whether any is left to call, and
// the order of the issues (each dependency's, in resolution order, then the route's own).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dependency, t } from '../../src/index.js';
import { compileFailurePlan } from '../../src/deps/dependency-failures.js';
import type { ValidationIssue } from '../../src/schema/validation-issue.js';

const issue = (...loc: string[]): ValidationIssue => ({ type: 'missing', loc, msg: 'Field required', input: null });

const base = dependency(function base() {});
const token = dependency({ query: t.Object({ token: t.String() }) }, function token() {});
const header = dependency({ headers: t.Object({ 'x-token': t.String() }), deps: { base } }, function header() {});
const user = dependency({ deps: { header }, cookies: t.Object({ session: t.String() }) }, function user() {});
const route = { options: { dependencies: [token], deps: { user } } };

describe('compileFailurePlan', () => {
  test('a route without dependencies has no plan', () => {
    assert.equal(compileFailurePlan({ options: {} }), null);
  });

  test("a dependency's own issue fails it and every dependency that uses it, not the ones it uses", () => {
    const verdict = compileFailurePlan(route)!.judge([issue('header', 'x-token')]);
    assert.deepEqual([...verdict.failed].map((d) => d.name).sort(), ['header', 'user']);
    assert.equal(verdict.runnable, true, 'token and base are still called');
  });

  test('issues are ordered dependency by dependency (`dependencies` first, each after what it uses), the route last', () => {
    const issues = [issue('path', 'id'), issue('cookie', 'session'), issue('query', 'q'), issue('header', 'x-token'), issue('query', 'token')];
    const { issues: sorted } = compileFailurePlan(route)!.judge(issues);
    assert.deepEqual(
      sorted.map((i) => i.loc.join('.')),
      ['query.token', 'header.x-token', 'cookie.session', 'path.id', 'query.q'],
    );
  });

  test('only the route’s own parts invalid: every dependency is still called', () => {
    const verdict = compileFailurePlan(route)!.judge([issue('query', 'q'), issue('body')]);
    assert.equal(verdict.failed.size, 0);
    assert.equal(verdict.runnable, true);
  });

  test('every dependency failed: nothing is left to call', () => {
    const only = { options: { deps: { token } } };
    const verdict = compileFailurePlan(only)!.judge([issue('query', 'token')]);
    assert.equal(verdict.runnable, false);
  });

  test('an issue about a part as a whole fails every dependency that reads that part', () => {
    const verdict = compileFailurePlan(route)!.judge([issue('query')]);
    assert.deepEqual([...verdict.failed].map((d) => d.name), ['token']);
  });

  test('an override replaces the original in the plan, with its own parts', () => {
    const replacement = dependency({ query: t.Object({ other: t.String() }) }, function replacement() {});
    const verdict = compileFailurePlan(route, new Map([[token, replacement]]))!.judge([issue('query', 'other')]);
    assert.deepEqual([...verdict.failed].map((d) => d.name), ['replacement']);
  });
});
