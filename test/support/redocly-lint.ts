// Redocly CLI's `lint` (recommended rules) on one OpenAPI file, as a child process: the real,
// external validator the OpenAPI tests hold loopwise's documents to.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const redocly = join(fileURLToPath(new URL('../../', import.meta.url)), 'node_modules/@redocly/cli/bin/cli.js');

export interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { source: { ref: string }; pointer: string }[];
}

/** Redocly's problems with one file; its exit code is 1 when it finds errors, which the caller reports. */
export async function redoclyLint(file: string): Promise<LintProblem[]> {
  const { stdout } = await run(process.execPath, [redocly, 'lint', file, '--format', 'json'], {
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
    // Redocly reports usage and checks for updates over the network unless told not to.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const report = JSON.parse(stdout) as { problems: LintProblem[] };
  assert.ok(Array.isArray(report.problems), `Redocly gave no report for ${file}: ${stdout}`);
  return report.problems;
}

/** "error security-defined at file#/paths/…: message", for assertion messages. */
export function describeProblem(problem: LintProblem): string {
  return `${problem.severity} ${problem.ruleId} at ${problem.location[0]?.source.ref}${problem.location[0]?.pointer}: ${problem.message}`;
}
