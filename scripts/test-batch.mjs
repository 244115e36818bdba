// Runs several test files in one process, one after the other, for scripts/run-tests.mjs: loading
// tsx and src/ costs each process about 1.5 s of CPU, most of what a small test file costs.
// usage: node --import tsx --test-reporter=spec scripts/test-batch.mjs FILE...
//
// Each file is imported inside a suite named after it, and only once the previous file's tests are
// done: its module code runs when its turn comes, its top-level hooks (before, after…) belong to
// its own suite, and a failure of the file itself (an import that throws, a failing hook) is
// reported under its name. What a file sets in process.env is undone before the next one starts.
// What it cannot undo is shared: modules load once per process (a module that keeps state from its
// first import), process listeners, timers left running. Files that depend on such state run in a
// process of their own (run-tests.mjs's OWN_PROCESS).
import { writeSync } from 'node:fs';
import { describe } from 'node:test';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

for (const file of process.argv.slice(2)) {
  // On stderr at once: if the process dies or is killed, the last one says where.
  writeSync(2, `# test-batch: ${file}\n`);
  const env = { ...process.env };
  await describe(file, async () => {
    await import(pathToFileURL(resolve(file)).href);
  });
  for (const name of Object.keys(process.env)) if (!(name in env)) delete process.env[name];
  Object.assign(process.env, env);
}
