// The typed client's types, proven to bite. fixtures/client-calls.ts (also checked by the
// project's typecheck) has a `@ts-expect-error` above each call that must not compile; here tsc
// checks a copy of it and a mutated copy: without the directives, every line under one fails,
// and nothing else does; a correct line given a wrong value fails; a directive added above a
// correct line is reported unused (the check that catches types gone `any`).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, TSC, TSC_OPTIONS } from '../support/strict-tsc.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/client-calls.ts', import.meta.url));
const WRONG_VALUE = '// client-calls:wrong-value';
const UNUSED_DIRECTIVE = '// client-calls:unused-directive';

interface Run {
  code: number | null;
  output: string;
}

function runNode(args: string[], cwd: string, timeout: number): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd, timeout, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', (error) => done({ code: null, output: `${output}${String(error)}` }));
    child.on('close', (code) => done({ code, output }));
  });
}

/** The fixture's relative imports made absolute, so a copy in a temporary directory resolves them. */
function relocate(source: string): string {
  return source.replace(/(from\s+')(\.\.?\/[^']+)(')/g, (_match, head: string, path: string, tail: string) => `${head}${resolve(dirname(FIXTURE), path)}${tail}`);
}

/** tsc's diagnostics per file name, as "line:code" (`file(line,col): error TSnnnn: …`). */
function diagnostics(output: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const match of output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+):/gm)) {
    const list = found.get(match[1]!) ?? [];
    list.push(`${match[2]}:${match[3]}`);
    found.set(match[1]!, list);
  }
  return found;
}

/**
 * The mutated fixture and the lines (1-based) tsc must report, with the code where it is known:
 * each `@ts-expect-error` line dropped (the line under it moves up and must fail), the marked call's
 * `id: 7` made `id: 'seven'`, and a directive added above the other marked (correct) line.
 */
function mutate(source: string): { text: string; expected: Map<number, string | undefined>; directives: number } {
  const out: string[] = [];
  const expected = new Map<number, string | undefined>();
  let directives = 0;
  let underDirective = false;
  for (let line of source.split('\n')) {
    if (line.trim().startsWith('// @ts-expect-error')) {
      assert.ok(!underDirective, 'two directives in a row in client-calls.ts');
      underDirective = true;
      directives++;
      continue;
    }
    if (line.includes(UNUSED_DIRECTIVE)) {
      out.push('// @ts-expect-error: added by client.test.ts above a correct line');
      expected.set(out.length, 'TS2578');
    }
    if (line.includes(WRONG_VALUE)) {
      assert.ok(line.includes('id: 7'), `the ${WRONG_VALUE} line has "id: 7"`);
      line = line.replace('id: 7', "id: 'seven'");
      expected.set(out.length + 1, 'TS2322');
    }
    out.push(line);
    if (underDirective) {
      expected.set(out.length, expected.get(out.length));
      underDirective = false;
    }
  }
  return { text: out.join('\n'), expected, directives };
}

describe('the typed client: types', { timeout: 120_000 }, () => {
  let dir = '';
  let check: Promise<Run>;
  let expected: Map<number, string | undefined>;
  let directives = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loopwise-client-types-'));
    const source = relocate(await readFile(FIXTURE, 'utf8'));
    const mutated = mutate(source);
    ({ expected, directives } = mutated);
    await Promise.all([
      writeFile(join(dir, 'calls.ts'), source),
      writeFile(join(dir, 'mutated.ts'), mutated.text),
      writeFile(join(dir, 'package.json'), '{ "type": "module", "private": true }\n'),
      // For `--types node` (and typebox, which src resolves from the project anyway).
      symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir'),
    ]);
    // One tsc run for both copies: they share the whole of src/.
    check = runNode([TSC, ...TSC_OPTIONS, 'calls.ts', 'mutated.ts'], dir, 100_000);
  });

  after(async () => {
    await check;
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  test('the fixture has the checks this test mutates', () => {
    assert.ok(directives >= 20, `client-calls.ts has ${directives} @ts-expect-error lines`);
    assert.equal([...expected.values()].filter((code) => code !== undefined).length, 2);
  });

  test('the calls compile as written (strict tsc)', async () => {
    const run = await check;
    assert.equal(diagnostics(run.output).get('calls.ts'), undefined, `tsc reports errors in the fixture itself:\n${run.output}`);
  });

  test('every @ts-expect-error bites on its own line, a wrong id and an unneeded directive fail, nothing else does', async () => {
    const run = await check;
    const found = diagnostics(run.output);
    assert.deepEqual([...found.keys()], ['mutated.ts'], `errors outside mutated.ts:\n${run.output}`);
    const errors = found.get('mutated.ts')!;
    for (const [line, code] of expected) {
      const at = errors.filter((error) => error.startsWith(`${line}:`));
      assert.ok(at.length > 0, `tsc reports line ${line} of mutated.ts:\n${run.output}`);
      if (code !== undefined) assert.ok(at.includes(`${line}:${code}`), `tsc reports ${code} at line ${line}:\n${run.output}`);
    }
    const lines = [...new Set(errors.map((error) => Number(error.split(':')[0])))].sort((a, b) => a - b);
    assert.deepEqual(lines, [...expected.keys()].sort((a, b) => a - b), `only the mutated lines fail:\n${run.output}`);
  });
});
