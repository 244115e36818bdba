// The documents loopwise writes, checked by a real external validator: Redocly CLI's `lint` with
// its recommended rules. The examples' documents come from `loopwise openapi`, as a user gets them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { app } from './fixtures/every-feature.js';
import { describeProblem, redoclyLint, type LintProblem } from '../support/redocly-lint.js';
import { skipOnBun } from '../support/runtime.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'src/cli/loopwise.ts');

// Advice, not faults: routes with nothing to validate have no 4xx to document, and the examples
// carry no license. Anything else Redocly raises fails the test.
const ACCEPTED_WARNINGS = new Set(['operation-4xx-response', 'info-license', 'tag-description']);
// A router's root is its prefix and a "/" ("/todos/"), as FastAPI's APIRouter makes it: Redocly's
// style rule against a trailing slash is one FastAPI's own documents break alike.
const FASTAPI_STYLE = new Set(['no-path-trailing-slash']);

/** Each document lints clean: no error, no warning but the accepted ones. */
async function assertLintClean(files: string[]): Promise<void> {
  const problems = (await Promise.all(files.map(redoclyLint))).flat().filter((p) => !FASTAPI_STYLE.has(p.ruleId));
  const where = (p: LintProblem) => describeProblem(p);
  assert.deepEqual(problems.filter((p) => p.severity === 'error').map(where), []);
  assert.deepEqual(problems.filter((p) => !ACCEPTED_WARNINGS.has(p.ruleId)).map(where), []);
}

/** An example's document, as `loopwise openapi` writes it. */
async function exampleDocument(dir: string, example: string): Promise<string> {
  const out = join(dir, `${example}.json`);
  await run(process.execPath, ['--import', 'tsx', cli, 'openapi', join(root, 'examples', example, 'app.ts'), '--out', out], {
    timeout: 60_000,
    env: { ...process.env, TODO_DB: join(dir, 'todos.db') },
  });
  return out;
}

test('the every-feature app and the seed and tutorial examples lint clean with @redocly/cli (recommended rules)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-lint-'));
  try {
    const files = [join(dir, 'every-feature.json')];
    writeFileSync(files[0]!, JSON.stringify(app.openapi()));
    for (const example of ['seed', 'tutorial']) files.push(await exampleDocument(dir, example));
    await assertLintClean(files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the todo-sqlite example lints clean too', skipOnBun("the example opens its database as it loads, and better-sqlite3's native addon does not load (ERR_DLOPEN_FAILED)"), async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-lint-'));
  try {
    await assertLintClean([await exampleDocument(dir, 'todo-sqlite')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
