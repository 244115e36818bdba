// A real third-party client against the document: openapi-typescript generates types from
// app.openapi(), a small openapi-fetch client written against them (fixtures/typed-client/client.ts)
// type-checks with strict tsc, a wrong call makes tsc fail, and the client calls the running app.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, TSC, TSC_OPTIONS } from '../support/strict-tsc.js';
import openapiTS, { astToString } from 'openapi-typescript';
import { app } from './fixtures/every-feature.js';

const CLIENT = fileURLToPath(new URL('./fixtures/typed-client/client.ts', import.meta.url));
const MARKER = '// typed-client:mutate';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs node with these arguments in `cwd`, killed after `timeout` ms. Never rejects. */
function runNode(args: string[], cwd: string, timeout: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, timeout, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => resolve({ code: null, signal: null, stdout, stderr: `${stderr}${String(error)}` }));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function show(run: Run): string {
  return `exit ${run.code}${run.signal === null ? '' : ` (${run.signal})`}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

/** tsc's diagnostics for one file, as "line:code" (tsc --pretty false: `file(line,col): error TSnnnn: ...`). */
function errorsIn(output: string, file: string): string[] {
  const found: string[] = [];
  for (const match of output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+):/gm)) {
    assert.equal(match[1], file, `an error outside ${file}:\n${output}`);
    found.push(`${match[2]}:${match[3]}`);
  }
  return found;
}

/**
 * The client with three changes tsc must each report, at their own lines:
 * the marked correct call given a string id (TS2322), the first `@ts-expect-error` removed so the
 * wrong call under it shows (any error), and a `@ts-expect-error` added above a correct line (TS2578,
 * the check that would catch types that are `any`).
 */
function mutate(source: string): { text: string; expected: Map<number, string | undefined> } {
  const lines = source.split('\n');
  const marked = lines.findIndex((line) => line.includes(MARKER));
  assert.ok(marked >= 0 && lines[marked]!.includes('id: 7'), `client.ts has a line with "id: 7" and ${MARKER}`);
  lines[marked] = lines[marked]!.replace('id: 7', "id: 'seven'");
  const directive = lines.findIndex((line) => line.trim().startsWith('// @ts-expect-error'));
  assert.ok(directive > marked, 'client.ts has @ts-expect-error lines after the marked call');
  lines.splice(directive, 1); // the wrong call under it moves up to the directive's line
  const listed = lines.findIndex((line) => line.startsWith('const listed = '));
  assert.ok(listed > marked && listed < directive, 'client.ts has a `const listed = ` line');
  lines.splice(listed, 0, '// @ts-expect-error');
  // Line numbers are 1-based; the added line shifts the two below it down by one.
  const expected = new Map<number, string | undefined>([
    [marked + 1, 'TS2322'],
    [listed + 1, 'TS2578'],
    [directive + 2, undefined],
  ]);
  return { text: lines.join('\n'), expected };
}

describe('a typed openapi-fetch client', { timeout: 60_000 }, () => {
  let dir = '';
  let schema = '';
  let checkClient: Promise<Run>;
  let checkMutated: Promise<Run>;
  let expectedErrors: Map<number, string | undefined>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loopwise-typed-client-'));
    // A clone: the generator must not touch the app's own document.
    const document = structuredClone(app.openapi());
    schema = astToString(await openapiTS(document as Parameters<typeof openapiTS>[0]));
    const source = await readFile(CLIENT, 'utf8');
    const mutated = mutate(source);
    expectedErrors = mutated.expected;
    await Promise.all([
      writeFile(join(dir, 'schema.ts'), schema),
      copyFile(CLIENT, join(dir, 'client.ts')),
      writeFile(join(dir, 'mutated.ts'), mutated.text),
      // ESM, as the client is (top-level await), and the project's packages (openapi-fetch, tsx, @types/node).
      writeFile(join(dir, 'package.json'), '{ "type": "module", "private": true }\n'),
      symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir'),
    ]);
    // The two type checks run side by side, and alongside the client's run against the app.
    checkClient = runNode([TSC, ...TSC_OPTIONS, 'client.ts', 'schema.ts'], dir, 30_000);
    checkMutated = runNode([TSC, ...TSC_OPTIONS, 'mutated.ts', 'schema.ts'], dir, 30_000);
  });

  after(async () => {
    await Promise.allSettled([checkClient, checkMutated]);
    await app.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  test('openapi-typescript types every documented path and the shared components', () => {
    for (const path of ['/items', '/items/{id}', '/files/{name}', '/range/{from}-{to}', '/static/{wildcard}', '/users/{userId}']) {
      assert.ok(schema.includes(`${JSON.stringify(path)}: {`), `paths has ${path}`);
    }
    assert.ok(!schema.includes('/internal/stats') && !schema.includes('/admin/'), 'hidden routes are not typed');
    for (const id of ['getItems', 'createItem', 'getItemsById', 'putItemsById', 'deleteItemsById', 'getStaticByWildcard', 'getUsersByUserId']) {
      assert.match(schema, new RegExp(`^ {4}${id}: \\{$`, 'm'), `operations has ${id}`);
    }
    for (const name of ['Item', 'ItemIn', 'HTTPError', 'HTTPValidationError', 'ValidationError', 'User']) {
      assert.match(schema, new RegExp(`^ {8}${name}: \\{$`, 'm'), `components.schemas has ${name}`);
    }
  });

  test('the client type-checks against the generated types (strict tsc)', async () => {
    const run = await checkClient;
    assert.equal(run.code, 0, `tsc failed on client.ts:\n${show(run)}`);
  });

  test('the types are real: a wrong call, a removed @ts-expect-error and an unneeded one each fail tsc', async () => {
    const run = await checkMutated;
    assert.notEqual(run.code, 0, `tsc accepted the mutated client:\n${show(run)}`);
    const output = run.stdout + run.stderr;
    const errors = errorsIn(output, 'mutated.ts');
    for (const [line, code] of expectedErrors) {
      const at = errors.filter((error) => error.startsWith(`${line}:`));
      assert.ok(at.length > 0, `tsc reports line ${line} of mutated.ts:\n${output}`);
      if (code !== undefined) assert.ok(at.includes(`${line}:${code}`), `tsc reports ${code} at line ${line}:\n${output}`);
    }
    const lines = new Set(errors.map((error) => Number(error.split(':')[0])));
    assert.deepEqual([...lines].sort((a, b) => a - b), [...expectedErrors.keys()].sort((a, b) => a - b), `only the mutated lines fail:\n${output}`);
  });

  test('the client calls the running app', async () => {
    const { url } = await app.listen({ port: 0, handleSignals: false });
    const run = await runNode(['--import', 'tsx', 'client.ts', url], dir, 15_000);
    assert.equal(run.code, 0, `the client failed:\n${show(run)}`);
    const last = run.stdout.trim().split('\n').at(-1) ?? '';
    const results = JSON.parse(last) as Record<string, { status: number; [key: string]: unknown }>;

    assert.deepEqual(results['item'], { status: 200, data: { id: 7, name: 'Hammer', price: 9.5, tags: ['tools'] } });
    assert.deepEqual(results['list'], { status: 200, ids: [7] });
    const created = results['create']!;
    assert.equal(created.status, 201);
    const item = created['data'] as { id: unknown };
    assert.equal(typeof item.id, 'number');
    assert.deepEqual(item, { id: item.id, name: 'Saw', price: 12.5, tags: ['tools'] });
    assert.deepEqual(results['missing'], { status: 404, detail: 'Item not found' });
    assert.deepEqual(results['invalid'], {
      status: 422,
      loc: ['path', 'id'],
      msg: 'Input should be greater than or equal to 1',
      type: 'greater_than_equal',
      ctx: { ge: 1 },
    });
    // openapi-fetch sends the wildcard's "/" as %2F; the app gives the handler the decoded rest of the path.
    assert.deepEqual(results['wildcard'], { status: 200, data: { path: 'a/b.txt' } });
    assert.deepEqual(results['range'], { status: 200, data: { size: 7 } });
  });
});
