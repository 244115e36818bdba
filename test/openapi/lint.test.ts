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

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'src/cli/loopwise.ts');
const redocly = join(root, 'node_modules/@redocly/cli/bin/cli.js');

// Advice, not faults: routes with nothing to validate have no 4xx to document, and the examples
// carry no license. Anything else Redocly raises fails the test.
const ACCEPTED_WARNINGS = new Set(['operation-4xx-response', 'info-license', 'tag-description']);

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { source: { ref: string }; pointer: string }[];
}

test('the every-feature app and every example lint clean with @redocly/cli (recommended rules)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-lint-'));
  try {
    const files = [join(dir, 'every-feature.json')];
    writeFileSync(files[0]!, JSON.stringify(app.openapi()));
    for (const example of ['seed', 'todo-sqlite', 'tutorial']) {
      const out = join(dir, `${example}.json`);
      await run(process.execPath, ['--import', 'tsx', cli, 'openapi', join(root, 'examples', example, 'app.ts'), '--out', out], {
        timeout: 60_000,
        env: { ...process.env, TODO_DB: join(dir, 'todos.db') },
      });
      files.push(out);
    }

    const problems = (await Promise.all(files.map(lint))).flat();
    const where = (p: LintProblem) => `${p.severity} ${p.ruleId} at ${p.location[0]?.source.ref}${p.location[0]?.pointer}: ${p.message}`;
    assert.deepEqual(problems.filter((p) => p.severity === 'error').map(where), []);
    assert.deepEqual(problems.filter((p) => !ACCEPTED_WARNINGS.has(p.ruleId)).map(where), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Redocly's problems with one file; its exit code is 1 when it finds errors, which the caller reports. */
async function lint(file: string): Promise<LintProblem[]> {
  const { stdout } = await run(process.execPath, [redocly, 'lint', file, '--format', 'json'], {
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
    // Redocly reports usage and checks for updates over the network unless told not to.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const report = JSON.parse(stdout) as { totals: { errors: number }; problems: LintProblem[] };
  assert.ok(Array.isArray(report.problems), `Redocly gave no report for ${file}: ${stdout}`);
  return report.problems;
}
