// The Node test run behind `npm test` (and CI's Node 24 leg): every test file with node:test. Most
// files run in batches of a folder's files, one process per batch (scripts/test-batch.mjs runs
// them one after the other): loading tsx and src/ costs a process about 1.5 s of CPU, most of
// what a small file costs. Two batches run at a time, on the machine's two cores (three were no
// faster: the files' work is mostly CPU, 1.7 cores' worth). Each batch's output is
// printed whole when it ends, headed by its files and time. Files that time something or starve
// a core run afterwards, one at a time and each in its own process, with nothing beside them: a
// neighbour would be in their measurements. Files that build the repo's one dist/ run in their
// own process, never beside each other.
// Usage: node scripts/run-tests.mjs [FILE...]
// With no FILE, every test/*/*.test.ts. Prints the summed counts and the processes that failed,
// with their files; exit code 1 if any did.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Files whose tests measure time or load, or starve a core, with why: they run alone. */
const ALONE = new Map([
  ['test/guard/', 'the loop guard: stalls, starvation and blame, timed'],
  ['test/evidence/', 'the bench: load and timings'],
  ['test/examples/seed.test.ts', 'bursts of blocking requests, timed'],
  ['test/examples/seed-demo.test.ts', 'the seed demo: verdicts from timings'],
  ['test/examples/seed-demo-bun.test.ts', 'the seed demo on Bun: verdicts from timings'],
  ['test/app/memory.test.ts', 'rounds of load, memory measured'],
  ['test/app/thread-clock.test.ts', 'CPU time against the wall clock'],
  ['test/app/dev-mode.test.ts', 'a blocking route named by the guard'],
  ['test/server/shutdown-under-load.test.ts', '200 connections through a SIGTERM'],
  ['test/cli/bench-command.test.ts', 'the bench under load'],
  ['test/cli/runtime-option-bench.test.ts', 'the guard naming a route on Bun, from the bench'],
  ['test/offload/faults.test.ts', 'blocking calls timed on worker threads'],
  ['test/offload/pool-sizer.test.ts', 'pool sizing from measured waits'],
  ['test/offload/pool-sizing.test.ts', 'worker threads added or not from measured CPU and waits'],
  ['test/offload/module.test.ts', 'a request taken to be on its worker after a fixed wait'],
  ['test/offload/queue.test.ts', 'requests taken to be queued after a fixed wait'],
  ['test/examples/readme-error-table.test.ts', 'a request sent during a stall, after a fixed wait'],
  ['test/metrics/metrics-route.test.ts', 'a 120 ms request in its latency bucket, and no stall blamed on a quick route'],
  ['test/responses/streaming.test.ts', 'a generator taken to have stalled after a fixed wait'],
  ['test/deps/background.test.ts', "a task's remaining time measured from the client"],
  ['test/ws/lifecycle.test.ts', 'a 50 ms heartbeat: a late pong is a dead peer'],
  ['test/testing/websocket-session.test.ts', 'a 200 ms client timeout that covers the handshake'],
  ['test/testing/stream.test.ts', 'a 200 ms read timeout that covers the first event'],
  // Redis restarted on its port needs no solitude: test/support/redis-server.ts reserves a port
  // below the ephemeral range (test/channels/redis-channel, test/queue/queue-metrics and
  // test/ratelimit/redis-store run in the first stage). These are here for their timings.
  ['test/examples/scale-demo.test.ts', 'Redis, two API processes and two workers under load; a SIGKILL timed against the backlog'],
  ['test/queue/durable-jobs.test.ts', '1,000 jobs and a SIGKILL timed against the backlog; a job that keeps its 2 s lock while it blocks its thread'],
  ['test/queue/queue-offload.test.ts', 'a job taken to have started after a fixed wait'],
  ['test/queue/redis-outage.test.ts', 'Redis killed and restarted under load, answers timed'],
  ['test/pipeline/access-log.test.ts', 'stall waits in the access log'],
  ['test/pipeline/access-log-wait.test.ts', 'stall waits in the access log'],
  ['test/ws/router.test.ts', 'a blocking WebSocket route named'],
  // Answers within a tight bound (tens to a hundred ms over a timeout or a wait).
  ['test/deps/caching-and-concurrency.test.ts', 'overlapping dependencies timed against their waits'],
  ['test/deps/cleanup.test.ts', 'a 504 timed against the handler it cuts'],
  ['test/deps/offloaded.test.ts', 'phases of a request timed'],
  ['test/offload/timeout.test.ts', 'answers timed against offload timeouts'],
  ['test/testing/inject.test.ts', 'concurrent waits timed'],
  // A real browser waits at most 15 s for a page to render: beside another file's load, Swagger UI once took longer.
  ['test/openapi/docs-browser.test.ts', 'Swagger UI rendered in Chromium within a 15 s wait'],
]);

/**
 * Files that share the machine but not a process, with why: a module they import keeps state from
 * its first import (ES modules load once per process), which another file of the batch would see.
 */
const OWN_PROCESS = new Map([
  ['test/examples/todo-sqlite.test.ts', 'the todo-sqlite example opens its database (TODO_DB) as it loads'],
  ['test/examples/todo-sqlite-client.test.ts', 'the todo-sqlite example opens its database (TODO_DB) as it loads'],
  ['test/server/stray-errors.test.ts', "the process's unhandledRejection and uncaughtException listeners taken off for a while, and src/server/stray-errors.ts's state"],
]);

/** Files that write the repo's dist/ (build, npm pack): one at a time, beside anything else. */
const BUILDS_DIST = ['test/package/'];

const matches = (file, prefixes) => prefixes.some((prefix) => file === prefix || (prefix.endsWith('/') && file.startsWith(prefix)));
export const isAlone = (file) => matches(file, [...ALONE.keys()]);
const buildsDist = (file) => matches(file, BUILDS_DIST);

export function allTestFiles() {
  return readdirSync(join(root, 'test'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      readdirSync(join(root, 'test', dir.name))
        .filter((name) => name.endsWith('.test.ts'))
        .map((name) => `test/${dir.name}/${name}`),
    )
    .sort();
}

const COUNTS = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo'];

/** The longest a process may run, a batch's files together (the slowest take ~3 min on a busy machine): then it is killed, and failed. */
const FILE_TIMEOUT_MS = 15 * 60_000;

/**
 * Runs a command with its output kept (and printed as it comes if `live`); resolves with its exit
 * status or signal and the output. Killed after `timeoutMs`. Settled on exit, not on close: a
 * process it started (a redis-server) may hold the pipes open after it is gone, so what is still
 * buffered is read for a moment first.
 */
export function runCaptured(command, args, { env = process.env, live = false, timeoutMs = FILE_TIMEOUT_MS } = {}) {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  const keep = (chunk) => {
    output.push(chunk);
    if (live) process.stdout.write(chunk);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => {
    keep(Buffer.from(`\n✖ still running after ${timeoutMs / 60_000} min: killed\n`));
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (status, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, signal, text: Buffer.concat(output).toString('utf8') });
    };
    child.on('error', (error) => {
      keep(Buffer.from(`\n✖ ${command} could not be run: ${error.message}\n`));
      settle(1, null);
    });
    child.on('exit', (status, signal) => {
      const drained = new Promise((done) => child.on('close', done));
      const grace = new Promise((done) => setTimeout(done, 2_000));
      void Promise.race([drained, grace]).then(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        settle(status, signal);
      });
    });
  });
}

/**
 * Runs test files with Node (node:test, the spec reporter), in one process, their output printed
 * as it comes if `live`. One file is run directly (not under `node --test`, whose runner process
 * would register tsx a second time); several go through scripts/test-batch.mjs, one after the other.
 */
export async function runFiles(files, live) {
  const started = Date.now();
  const args = files.length === 1 ? [files[0]] : [join(root, 'scripts', 'test-batch.mjs'), ...files];
  const { status, signal, text } = await runCaptured(process.execPath, ['--import', 'tsx', '--test-reporter=spec', ...args], { live });
  // The last summary: a test may print one of its own (a nested run) before it.
  const count = (name) => Number([...text.matchAll(new RegExp(`^(?:ℹ|#) ${name} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
  const counts = Object.fromEntries(COUNTS.map((name) => [name, count(name)]));
  // A batch names each file as a suite: those are not the files' own suites.
  if (files.length > 1) counts.suites = Math.max(0, counts.suites - files.length);
  const summarised = /^(?:ℹ|#) tests \d+$/m.test(text);
  // Failed: a non-zero exit, a signal, a failed or cancelled test, no summary at all (it ended
  // early), or in a batch a file's own suite failed (its import threw, a top-level hook failed:
  // its tests are then cancelled, not failed, and a later file could still set the exit code to 0).
  const fileFailed = files.length > 1 && /^✖ test\/\S+\.test\.ts /m.test(text);
  const failed = status !== 0 || signal !== null || counts.fail > 0 || counts.cancelled > 0 || !summarised || fileFailed;
  return { files, failed, status, signal, seconds: (Date.now() - started) / 1000, text, counts, summarised };
}

/** Processes at a time in the first stage: the machine has two cores, and the files' work is mostly CPU (three lanes were no faster). */
const LANES = 2;

/** How many of a folder's files share a process: more saves loading, fewer keeps the two lanes even. */
const BATCH_SIZE = 8;

/** The lanes' work: each dist/ builder and OWN_PROCESS file in a process of its own, the others in batches of one folder's. */
function batches(files) {
  const byFolder = new Map();
  const work = [];
  for (const file of files) {
    if (buildsDist(file) || OWN_PROCESS.has(file)) {
      work.push([file]);
      continue;
    }
    const folder = file.slice(0, file.lastIndexOf('/'));
    const batch = byFolder.get(folder);
    if (batch !== undefined && batch.length < BATCH_SIZE) batch.push(file);
    else {
      const started = [file];
      byFolder.set(folder, started);
      work.push(started);
    }
  }
  return work;
}

const describeWork = (files) => (files.length === 1 ? files[0] : `${files.length} files in one process: ${files.join(', ')}`);

/**
 * Every file, in two stages: two lanes of batches for the files that may share the machine (a file
 * that writes dist/ waits while another such file runs), then the alone files one by one.
 */
export async function runSuite(names) {
  const started = Date.now();
  // As listed above: relative to the repo, with forward slashes.
  const files = names.map((name) => relative(root, resolvePath(root, name)).split(sep).join('/'));
  for (const prefix of [...ALONE.keys(), ...OWN_PROCESS.keys()]) if (!existsSync(join(root, prefix))) console.warn(`run-tests: ${prefix} is listed but does not exist`);
  // The dist/ builders first: they are long, and they must not end up the last two in one lane.
  const shared = files.filter((file) => !isAlone(file)).sort((a, b) => Number(buildsDist(b)) - Number(buildsDist(a)));
  const queue = batches(shared);
  const alone = files.filter(isAlone);
  console.log(`${shared.length} test files in ${queue.length} processes, ${LANES} at a time, then ${alone.length} alone (scripts/run-tests.mjs says why)`);
  const results = [];
  let distBusy = false;
  const lane = async () => {
    for (;;) {
      const index = queue.findIndex((work) => !(distBusy && buildsDist(work[0])));
      if (index === -1) {
        if (queue.length === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 200)); // only dist/ builders left, one running
        continue;
      }
      const [work] = queue.splice(index, 1);
      const holdsDist = buildsDist(work[0]);
      if (holdsDist) distBusy = true;
      const result = await runFiles(work, false);
      if (holdsDist) distBusy = false;
      console.log(`\n=== ${describeWork(work)} (${result.seconds.toFixed(1)} s) ===`);
      process.stdout.write(result.text);
      results.push(result);
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  for (const file of alone) {
    console.log(`\n=== ${file} (alone: ${[...ALONE].find(([prefix]) => matches(file, [prefix]))[1]}) ===`);
    const result = await runFiles([file], true);
    console.log(`=== ${file}: ${result.seconds.toFixed(1)} s ===`);
    results.push(result);
  }
  const totals = Object.fromEntries(COUNTS.map((name) => [name, results.reduce((sum, result) => sum + result.counts[name], 0)]));
  const failed = results.filter((result) => result.failed);
  console.log(`\n=== ${files.length} test files in ${results.length} processes, ${((Date.now() - started) / 60000).toFixed(1)} min ===`);
  for (const name of COUNTS) console.log(`ℹ ${name} ${totals[name]}`);
  console.log(`ℹ processes failed ${failed.length}`);
  const slowest = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 8);
  console.log(`slowest: ${slowest.map((result) => `${result.files.length === 1 ? result.files[0] : `${result.files.length} files of ${result.files[0].slice(0, result.files[0].lastIndexOf('/'))}`} ${result.seconds.toFixed(0)} s`).join(', ')}`);
  if (failed.length > 0) {
    // One list at the end, as node --test prints it: each failed test's line from its process's
    // output (in a batch, the failing file's own line is among them).
    console.log('\n✖ failing tests:\n');
    for (const result of failed) {
      // And node:test's root-level errors (async activity after a test ended): they name the file and line.
      const lines = result.text.split('\n').filter((line) => (/^\s*✖ /.test(line) && !/^\s*✖ failing tests:/.test(line) && !/# (TODO|deliberate)/i.test(line)) || /^ℹ Error: /.test(line));
      const why = result.signal !== null ? `killed by ${result.signal}` : !result.summarised ? `exited ${result.status} before its summary` : `exited ${result.status}`;
      const name = result.files.length === 1 ? `test file ${result.files[0]}` : `test files ${result.files.join(', ')}`;
      console.log(`${name} (${why}; its output is above, under === ${describeWork(result.files)} ===)`);
      for (const line of [...new Set(lines)]) console.log(line);
    }
  }
  return failed.length > 0 ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const named = process.argv.slice(2);
  process.exitCode = await runSuite(named.length > 0 ? named : allTestFiles());
}
