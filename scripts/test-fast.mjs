// `npm run test:fast`: every test suite but the slow ones, for the edit-test loop (a few minutes
// on 2 cores). `npm test` still runs them all. Slow: driving a browser, installing or building the
// package, generating and compiling a client, spawning the CLI, or load for its own sake (memory,
// shutdown under load, bursts); each is named below with why. Timed one by one on a busy 2-core
// machine: the CLI, seed-demo and typed-client suites 6-18 s each, the four browser suites ~75 s
// together; no suite kept took over ~13 s.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allTestFiles, runSuite } from './run-tests.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

const SLOW = new Map([
  ['test/evidence/html-report.test.ts', 'Chromium'],
  ['test/middleware/security-headers-browser.test.ts', 'Chromium'],
  ['test/openapi/docs-browser.test.ts', 'Chromium'],
  ['test/security/authorize-browser.test.ts', 'Chromium'],
  ['test/app/memory.test.ts', 'rounds of load against a child process'],
  ['test/server/shutdown-under-load.test.ts', '200 connections through a SIGTERM'],
  ['test/package/build.test.ts', 'builds and packs the package'],
  ['test/package/install.test.ts', 'installs the packed package'],
  ['test/openapi/typed-client.test.ts', 'generates a client with openapi-typescript and compiles it'],
  ['test/cli/bench-command.test.ts', 'spawns the CLI under load'],
  ['test/cli/dev-command.test.ts', 'spawns the CLI, edits files, waits for restarts'],
  ['test/cli/new-command.test.ts', 'spawns the CLI'],
  ['test/cli/openapi-command.test.ts', 'spawns the CLI'],
  ['test/cli/routes-command.test.ts', 'spawns the CLI'],
  ['test/cli/run-command.test.ts', 'spawns the CLI with workers'],
  ['test/examples/seed.test.ts', 'bursts of blocking requests, timed'],
  ['test/examples/seed-demo.test.ts', 'runs the seed demo end to end'],
  ['test/guard/host-starved.test.ts', 'starves a core with a CPU hog for seconds'],
  ['test/evidence/bench-real-app.test.ts', 'loads a real app with the bench'],
  ['test/examples/scale-demo.test.ts', 'runs the scale demo: redis, two API processes, two workers, a SIGKILL'],
  ['test/queue/durable-jobs.test.ts', '1,000 jobs through two workers, one SIGKILLed, the API restarted'],
  ['test/queue/redis-outage.test.ts', 'kills Redis under load and waits for it to come back'],
  ['test/queue/queue-metrics.test.ts', 'spawns workers, runs real jobs, SIGKILLs one'],
  ['test/channels/redis-channel.test.ts', 'spawns CLI processes with --workers'],
]);

const files = allTestFiles().filter((file) => !SLOW.has(file));

// A renamed suite would otherwise slip into the fast run unnoticed.
for (const file of SLOW.keys()) if (!existsSync(join(root, file))) console.warn(`test:fast: ${file} is listed as slow but does not exist`);

// The same two stages as npm test (scripts/run-tests.mjs): files that share the machine in
// batches, two at a time, then those that must run alone.
process.exitCode = await runSuite(files);
console.log(`(${files.length} files; ${SLOW.size} slow ones left to npm test)`);
