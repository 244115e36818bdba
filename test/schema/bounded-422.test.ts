// The cost of a 422 is bounded whatever the schema and the body (src/schema/error-budget.ts,
// validation-errors.ts, bounded-input.ts): at most 100 issues per request part then one
// `too_many_errors` entry, each `input` cut, FastAPI's shape kept. Over a real socket against the
// README tutorial's app in a child process, then the limits' options in-process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { App, t } from '../../src/index.js';
import { validationLimits } from '../../src/schema/validation-limits.js';
import { compileMessageDecoder } from '../../src/ws/message.js';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { request } from '../support/http.js';
import { extraKeys, missingFields, wrongTags, type HostileBody } from '../../bench/lib/hostile-bodies.js';

const FIXTURE = fileURLToPath(new URL('../../bench/apps/tutorial-422-app.ts', import.meta.url));
const BOUND = 64 * 1024;

type Issue = { type: string; loc: (string | number)[]; msg: string; input: unknown; ctx?: Record<string, unknown> };

const JSON_BODY = { 'content-type': 'application/json' };

/** FastAPI's shape: `detail` is a list of {type, loc, msg, input} with an optional ctx, and nothing else. */
function detailOf(status: number, text: string, what: string): Issue[] {
  assert.equal(status, 422, `${what}: ${text.slice(0, 300)}`);
  const parsed = JSON.parse(text) as { detail: Issue[] };
  assert.deepEqual(Object.keys(parsed), ['detail'], what);
  for (const issue of parsed.detail) {
    const keys = Object.keys(issue).sort();
    assert.ok(keys.join() === 'input,loc,msg,type' || keys.join() === 'ctx,input,loc,msg,type', `${what}: keys ${keys.join()}`);
    assert.equal(typeof issue.type, 'string');
    assert.equal(typeof issue.msg, 'string');
    assert.ok(Array.isArray(issue.loc) && issue.loc[0] === 'body', `${what}: loc ${JSON.stringify(issue.loc)}`);
  }
  return parsed.detail;
}

describe('hostile 1 MiB bodies against the tutorial’s models, over a real socket', () => {
  let server: AppProcess & { port: number };
  before(async () => {
    server = await startAppProcess(FIXTURE, { ready: /^ready (\d+)$/ });
  });
  after(() => server?.kill());

  async function postHostile(hostile: HostileBody): Promise<Issue[]> {
    const answer = await request(server.port, hostile.path, { method: 'POST', headers: JSON_BODY, body: hostile.body, timeout: 30_000 });
    assert.ok(answer.text.length < BOUND, `${hostile.name}: a ${answer.text.length}-byte answer`);
    const detail = detailOf(answer.status, answer.text, hostile.name);
    // The same process serves the next request.
    const pid = await request(server.port, '/pid', { timeout: 10_000 });
    assert.deepEqual(JSON.parse(pid.text), { pid: server.child.pid }, `${hostile.name}: the next request`);
    return detail;
  }

  test('ItemIn with 520 000 wrong tag items: the first 100, then "more were left out"', async () => {
    const detail = await postHostile(wrongTags());
    assert.equal(detail.length, 101);
    detail.slice(0, 100).forEach((issue, i) => {
      assert.deepEqual(issue, { type: 'string_type', loc: ['body', 'tags', i], msg: 'Input should be a valid string', input: 1 });
    });
    assert.deepEqual(detail[100], {
      type: 'too_many_errors',
      loc: ['body'],
      msg: 'More errors were left out: at most 100 are listed per request part',
      input: null,
      ctx: { limit: 100 },
    });
  });

  test('ItemIn with additionalProperties: false and 90 000 extra keys: 100 extra_forbidden, then the "more" entry', async () => {
    const detail = await postHostile(extraKeys());
    assert.equal(detail.length, 101);
    detail.slice(0, 100).forEach((issue, i) => {
      assert.deepEqual(issue, { type: 'extra_forbidden', loc: ['body', `k${i}`], msg: 'Extra inputs are not permitted', input: 0 });
    });
    assert.equal(detail[100]!.type, 'too_many_errors');
  });

  test('20 missing fields in a 1 MiB body: 20 issues, each quoting the body cut to a few hundred characters', async () => {
    const detail = await postHostile(missingFields());
    assert.equal(detail.length, 20);
    detail.forEach((issue, i) => {
      assert.equal(issue.type, 'missing');
      assert.deepEqual(issue.loc, ['body', `field${i + 1}`]);
      const padding = (issue.input as { padding: string }).padding;
      assert.match(padding, /^x+…\(\d+ more characters\)$/);
      assert.ok(JSON.stringify(issue.input).length < 300, JSON.stringify(issue.input).length.toString());
    });
  });
});

describe('the limits, in-process', () => {
  const json = { 'content-type': 'application/json' };

  test('fewer errors than the error budget: the last entry says exactly how many were left out', async () => {
    const app = new App({ logger: false });
    app.post('/tags', { body: t.Object({ tags: t.Array(t.String()) }) }, ({ body }) => body);
    const res = await app.inject({ method: 'POST', url: '/tags', headers: json, body: JSON.stringify({ tags: Array(150).fill(7) }) });
    const detail = detailOf(res.statusCode, res.body, '150 wrong items');
    assert.equal(detail.length, 101);
    assert.deepEqual(detail[100], {
      type: 'too_many_errors',
      loc: ['body'],
      msg: '50 more errors were left out: at most 100 are listed per request part',
      input: null,
      ctx: { limit: 100, omitted: 50 },
    });
  });

  test('new App({ validation: { maxIssues, maxInputLength } }) sets both, per request part', async () => {
    const app = new App({ logger: false, validation: { maxIssues: 3, maxInputLength: 20 } });
    app.post('/tags', { body: t.Object({ tags: t.Array(t.Integer()) }), query: t.Object({ n: t.Array(t.Integer()) }) }, () => 'never');
    const res = await app.inject({ method: 'POST', url: '/tags?n=a&n=b&n=c&n=d', headers: json, body: JSON.stringify({ tags: ['x'.repeat(100), 'y', 'z', 'w'] }) });
    assert.equal(res.statusCode, 422);
    const detail = res.json().detail as Issue[];
    assert.deepEqual(
      detail.map((issue) => [issue.type, issue.loc]),
      [
        ['int_parsing', ['query', 'n', 0]],
        ['int_parsing', ['query', 'n', 1]],
        ['int_parsing', ['query', 'n', 2]],
        ['too_many_errors', ['query']],
        ['int_parsing', ['body', 'tags', 0]],
        ['int_parsing', ['body', 'tags', 1]],
        ['int_parsing', ['body', 'tags', 2]],
        ['too_many_errors', ['body']],
      ],
    );
    assert.deepEqual(detail[3]!.ctx, { limit: 3, omitted: 1 });
    assert.equal(detail[4]!.input, `${'x'.repeat(20)}…(80 more characters)`);
  });

  test('the App’s validation limits reach multipart forms, WebSocket messages and channel messages too', async () => {
    const validation = validationLimits({ maxIssues: 2 });
    const Three = t.Object({ a: t.Integer(), b: t.Integer(), c: t.Integer() });
    const app = new App({ logger: false, validation: { maxIssues: 2 } });
    app.post('/form', { body: Three, consumes: ['multipart/form-data'] }, () => 'never');
    const boundary = 'b0undary';
    const parts = ['a', 'b', 'c'].map((name) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\nx\r\n`).join('');
    const form = await app.inject({ method: 'POST', url: '/form', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body: `${parts}--${boundary}--\r\n` });
    assert.equal(form.statusCode, 422, form.body);
    assert.deepEqual(
      (form.json().detail as Issue[]).map((issue) => [issue.type, issue.loc]),
      [['int_parsing', ['body', 'a']], ['int_parsing', ['body', 'b']], ['too_many_errors', ['body']]],
    );

    // A WebSocket route's decoder, compiled as the App compiles it (src/ws/compile-ws-route.ts passes the App's limits).
    const decode = compileMessageDecoder(Three, 'WS /three', undefined, validation);
    const refused = decode(Buffer.from(JSON.stringify({ a: 'x', b: 'y', c: 'z' })), false);
    assert.equal(refused.ok, false);
    assert.deepEqual(
      ((refused as { detail: Issue[] }).detail).map((issue) => [issue.type, issue.loc]),
      [['int_parsing', ['message', 'a']], ['int_parsing', ['message', 'b']], ['too_many_errors', ['message']]],
    );

    const channel = app.channel('three', { schema: Three });
    await assert.rejects(channel.publish({ a: 'x', b: 'y', c: 'z' } as never), (error: Error & { issues: Issue[] }) => {
      assert.deepEqual(error.issues.map((issue) => issue.type), ['int_parsing', 'int_parsing', 'too_many_errors']);
      return true;
    });
    await app.close();
  });

  test('a validation limit that is not a whole number ≥ 1 is refused at construction', () => {
    for (const validation of [{ maxIssues: 0 }, { maxInputLength: 1.5 }, { maxIssues: Number.NaN }]) {
      assert.throws(() => new App({ logger: false, validation }), { code: 'LW_ERR_INVALID_OPTION' });
    }
  });

  test('a key of 100 000 characters is cut in loc too', async () => {
    const app = new App({ logger: false });
    app.post('/strict', { body: t.Object({ a: t.Integer() }, { additionalProperties: false }) }, () => 'never');
    const key = 'k'.repeat(100_000);
    const strict = await app.inject({ method: 'POST', url: '/strict', headers: json, body: JSON.stringify({ a: 1, [key]: 1 }) });
    const [issue] = detailOf(strict.statusCode, strict.body, 'long key');
    assert.equal(issue!.type, 'extra_forbidden');
    assert.equal(issue!.loc[1], `${'k'.repeat(256)}…(99744 more characters)`);
  });

  test('per-item unions and recursive schemas stay right under the budget', async () => {
    const app = new App({ logger: false });
    app.post('/union', { body: t.Array(t.Union([t.String(), t.Number()])) }, () => 'never');
    const Node = t.Recursive((self) => t.Object({ name: t.String(), children: t.Array(self) }));
    app.post('/tree', { body: t.Array(Node) }, () => 'never');
    // null: no branch converts it (true would be 1 for the number branch, as Pydantic's lax mode has it).
    const union = await app.inject({ method: 'POST', url: '/union', headers: json, body: JSON.stringify(Array(5000).fill(null)) });
    const unionDetail = detailOf(union.statusCode, union.body, 'union');
    assert.equal(unionDetail.length, 101);
    // Pydantic's smart union: each branch's error, its loc tagged with the branch's name.
    assert.deepEqual(unionDetail.slice(0, 2).map((d) => [d.type, d.loc]), [['string_type', ['body', 0, 'str']], ['float_type', ['body', 0, 'float']]]);
    assert.equal(unionDetail[100]!.type, 'too_many_errors');
    const children = Array.from({ length: 3000 }, () => ({ name: 1, children: [] }));
    const tree = await app.inject({ method: 'POST', url: '/tree', headers: json, body: JSON.stringify([{ name: 'root', children }]) });
    const treeDetail = detailOf(tree.statusCode, tree.body, 'tree');
    assert.ok(treeDetail.length <= 101, String(treeDetail.length));
    assert.deepEqual(treeDetail[0]!.loc, ['body', 0, 'children', 0, 'name']);
    assert.equal(treeDetail.at(-1)!.type, 'too_many_errors');
    // Valid input still goes through both.
    assert.equal((await app.inject({ method: 'POST', url: '/union', headers: json, body: '["a",1]' })).statusCode, 200);
  });
});
