// The step budget of a recursive schema's validation (src/schema/step-budget.ts): a union whose
// branches descend into the same value is refused with one bounded 422 entry, counted in steps,
// not time; a valid tree within the budget passes; schemas without `$ref` are left as they are.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';
import { compileJsonBodyValidator, compileValidator } from '../../src/schema/validator.js';
import { stepState, withStepMarks, STEP } from '../../src/schema/step-budget.js';
import { DEFAULT_MAX_STEPS } from '../../src/schema/validation-limits.js';

/** Two branches that both descend into the same array: 2^depth paths through a nested value. */
const Tree = t.Recursive((Self) => t.Union([t.Array(Self), t.Array(t.Union([Self, t.Integer()]))]));
const Node = t.Recursive((Self) => t.Object({ name: t.String(), children: t.Array(Self) }));

function nested(depth: number, leaf = '"x"'): string {
  let body = leaf;
  for (let i = 0; i < depth; i++) body = `[${body}]`;
  return body;
}

function tree(depth: number): unknown {
  return { name: 'n', children: depth === 0 ? [] : [tree(depth - 1), tree(depth - 1)] };
}

const limits = (maxSteps: number) => ({ maxIssues: 100, maxInputLength: 256, maxSteps });

describe('the step budget of a recursive schema', () => {
  test('a 41-byte body nested 40 deep: refused with one too_complex entry, after the budget and a few steps of unwinding', () => {
    for (const strict of [false, true]) {
      const validate = compileJsonBodyValidator(Tree, { route: 'POST /tree', strict, reread: (raw: string) => JSON.parse(raw) });
      const body = nested(40);
      const outcome = validate(JSON.parse(body), body);
      assert.ok(outcome !== null);
      assert.deepEqual(outcome.issues, [
        {
          type: 'too_complex',
          loc: ['body'],
          msg: `Input is too complex to validate: it took more than ${DEFAULT_MAX_STEPS} recursive steps against this schema`,
          input: JSON.parse(body),
          ctx: { max_steps: DEFAULT_MAX_STEPS },
        },
      ]);
      // Past the budget every path ends at its next step: the unwinding costs one step per level and branch.
      assert.ok(stepState.steps <= DEFAULT_MAX_STEPS + 4 * 40, `${stepState.steps} steps`);
    }
  });

  test('the same body one level shallower than the budget needs is checked in full: a list_type-style 422, not too_complex', () => {
    const validate = compileJsonBodyValidator(Tree, { route: 'POST /tree', strict: true, reread: (raw: string) => JSON.parse(raw) });
    const body = nested(6);
    const outcome = validate(JSON.parse(body), body);
    assert.ok(outcome !== null && outcome.issues.length > 0);
    assert.ok(outcome.issues.every((issue) => issue.type !== 'too_complex'), JSON.stringify(outcome.issues).slice(0, 300));
  });

  test('a valid tree of 4,095 nodes passes within the default budget; with maxSteps under its size it is refused', () => {
    const body = JSON.stringify(tree(11));
    const validate = compileJsonBodyValidator(Node, { route: 'POST /nodes', reread: (raw: string) => JSON.parse(raw) });
    assert.equal(validate(JSON.parse(body), body), null);
    assert.ok(stepState.steps >= 4_094 && stepState.steps < DEFAULT_MAX_STEPS, `${stepState.steps} steps`);
    const tight = compileJsonBodyValidator(Node, { route: 'POST /nodes', limits: limits(1_000), reread: (raw: string) => JSON.parse(raw) });
    assert.deepEqual(tight(JSON.parse(body), body)?.issues.map((issue) => issue.type), ['too_complex']);
  });

  test('compileValidator (WebSocket messages, channels, form fields) counts steps too', () => {
    const validate = compileValidator(Tree, 'body', { coerce: false, route: 'WS /tree', limits: limits(500) });
    const issues = validate(JSON.parse(nested(30)));
    assert.deepEqual(issues?.map((issue) => [issue.type, issue.loc]), [['too_complex', ['body']]]);
    assert.equal(validate(JSON.parse('[[[1, 2], []], []]')), null);
  });

  test('a schema without $ref is the same object, so its validator is unchanged; $ref inside const or default is data', () => {
    const plain = t.Object({ a: t.Array(t.Union([t.String(), t.Integer()])) });
    assert.equal(withStepMarks(plain), plain);
    const withData = { type: 'object', properties: { a: { const: { $ref: 'x' } } }, default: { $ref: 'y' } };
    assert.equal(withStepMarks(withData), withData);
    const marked = withStepMarks(Tree) as Record<string, unknown>;
    assert.notEqual(marked, Tree);
    const refs: Record<string, unknown>[] = [];
    (function find(node: unknown): void {
      if (typeof node !== 'object' || node === null) return;
      if (typeof (node as { $ref?: unknown }).$ref === 'string') refs.push(node as Record<string, unknown>);
      for (const value of Object.values(node)) find(value);
    })(marked);
    assert.ok(refs.length >= 2);
    for (const ref of refs) assert.equal(ref[STEP], true);
  });

  test('through the App (inject): 422 in FastAPI shape with validation.maxSteps, and serves the next request', async () => {
    const app = new App({ logger: false, validation: { maxSteps: 200 } });
    app.post('/nodes', { body: Node }, ({ body }) => ({ name: body.name }));
    const json = { 'content-type': 'application/json' };
    const refused = await app.inject({ method: 'POST', url: '/nodes', headers: json, body: JSON.stringify(tree(8)) });
    assert.equal(refused.statusCode, 422);
    const detail = (refused.json() as { detail: { type: string; loc: string[]; msg: string; input: unknown; ctx: unknown }[] }).detail;
    assert.equal(detail.length, 1);
    assert.equal(detail[0]!.type, 'too_complex');
    assert.deepEqual(detail[0]!.loc, ['body']);
    assert.deepEqual(detail[0]!.ctx, { max_steps: 200 });
    assert.ok(JSON.stringify(detail[0]!.input).length < 512, 'the input is quoted cut');
    const served = await app.inject({ method: 'POST', url: '/nodes', headers: json, body: JSON.stringify(tree(3)) });
    assert.equal(served.statusCode, 200);
    assert.deepEqual(served.json(), { name: 'n' });
  });

  test('validation.maxSteps must be a positive integer', () => {
    for (const maxSteps of [0, 1.5, Number.NaN]) {
      assert.throws(() => new App({ logger: false, validation: { maxSteps } }), /validation\.maxSteps/);
    }
  });
});
