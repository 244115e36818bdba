// The three holes an attack review found in the error budget, over a real socket against an app
// in a child process: each answered 422 with a bounded answer, and the same process serves the
// next request. Then the budget's counter in-process: it stops at the budget across `$ref` calls.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { t } from '../../src/index.js';
import { compileValidator } from '../../src/schema/validator.js';
import { budgetState } from '../../src/schema/error-budget.js';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { request } from '../support/http.js';
import { deepWrongTree, hostileUrl, uniqueObjects, type HostileBody } from '../../bench/lib/hostile-bodies.js';

const FIXTURE = fileURLToPath(new URL('../../bench/apps/budget-holes-app.ts', import.meta.url));

type Issue = { type: string; loc: (string | number)[]; msg: string; input: unknown; ctx?: Record<string, unknown> };

const JSON_BODY = { 'content-type': 'application/json' };

describe('bodies that slipped past the error budget, over a real socket', () => {
  let server: AppProcess & { port: number };
  before(async () => {
    server = await startAppProcess(FIXTURE, { ready: /^ready (\d+)$/ });
  });
  after(() => server?.kill());

  async function post(hostile: HostileBody): Promise<{ status: number; text: string }> {
    const answer = await request(server.port, hostile.path, { method: 'POST', headers: JSON_BODY, body: hostile.body, timeout: 30_000 });
    const pid = await request(server.port, '/pid', { timeout: 10_000 });
    assert.deepEqual(JSON.parse(pid.text), { pid: server.child.pid }, `${hostile.name}: the next request`);
    return answer;
  }

  test('a recursive schema, 450 levels of 399 wrong items: one budget for the whole body, 100 issues, the count unknown', async () => {
    const answer = await post(deepWrongTree());
    assert.equal(answer.status, 422, answer.text.slice(0, 300));
    assert.ok(answer.text.length < 64 * 1024, `${answer.text.length} bytes`);
    const detail = (JSON.parse(answer.text) as { detail: Issue[] }).detail;
    assert.equal(detail.length, 101);
    assert.deepEqual(detail[0]!.loc, ['body', 'c', 0]);
    // Without `omitted`: the budget stopped looking, where it used to count all 179 550 errors.
    assert.deepEqual(detail[100], {
      type: 'too_many_errors',
      loc: ['body'],
      msg: 'More errors were left out: at most 100 are listed per request part',
      input: null,
      ctx: { limit: 100 },
    });
  });

  test('uniqueItems over 12 000 objects and a repeat: one issue naming the pair; 8 000 distinct ones pass', async () => {
    const repeated = await post(uniqueObjects(12_000, true));
    assert.equal(repeated.status, 422, repeated.text.slice(0, 300));
    const detail = (JSON.parse(repeated.text) as { detail: Issue[] }).detail;
    assert.equal(detail.length, 1);
    assert.equal(detail[0]!.type, 'uniqueItems');
    assert.deepEqual(detail[0]!.loc, ['body', 'tags']);
    assert.equal(detail[0]!.msg, 'Must NOT have duplicate items (items ## 5 and 12000 are identical)');
    const distinct = await post(uniqueObjects(8_000, false));
    assert.deepEqual([distinct.status, JSON.parse(distinct.text)], [200, { n: 8_000 }]);
  });

  test('format url, "http://" + 40 000 ":": a 422 url_parsing (empty host); a valid url still passes', async () => {
    const answer = await post(hostileUrl(40_000));
    assert.equal(answer.status, 422, answer.text.slice(0, 300));
    const [issue, ...rest] = (JSON.parse(answer.text) as { detail: Issue[] }).detail;
    assert.equal(rest.length, 0);
    assert.deepEqual([issue!.type, issue!.loc, issue!.ctx], ['url_parsing', ['body', 's'], { error: 'empty host' }]);
    const valid = await post({ name: 'a valid url', path: '/url', body: JSON.stringify({ s: 'https://user:pw@example.com:8080/a?b#c' }) });
    assert.equal(valid.status, 200, valid.text);
  });
});

describe('the error budget’s counter, in-process', () => {
  test('is shared by every $ref call of one validation, and stops at the budget', () => {
    const Node = t.Recursive((This) => t.Object({ c: t.Array(This) }));
    const validate = compileValidator(Node, 'body', { coerce: false, route: 'POST /tree' });
    const issues = validate(JSON.parse(deepWrongTree().body))!;
    assert.equal(issues.length, 101);
    // Budget 400 (4 × 100 issues): the top level's 399 errors, one more one level down, then the
    // rest of that level (398 items and the next level) passed over: nothing deeper was visited.
    assert.deepEqual({ ...budgetState }, { spent: 400, skips: 399 });
  });

  test('a small tree is listed whole, each level’s errors counted once', () => {
    const Node = t.Recursive((This) => t.Object({ c: t.Array(This) }));
    const validate = compileValidator(Node, 'body', { coerce: false, route: 'POST /tree' });
    const issues = validate(JSON.parse(deepWrongTree(3, 5).body))!;
    assert.equal(issues.length, 15);
    assert.deepEqual(issues.at(-1)!.loc, ['body', 'c', 5, 'c', 5, 'c', 4]);
    assert.deepEqual({ ...budgetState }, { spent: 15, skips: 0 });
  });
});
