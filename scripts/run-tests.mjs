// The Node test run behind `npm test` (and CI's Node 24 leg): every test file with node:test, one
// process per file. Most files run two at a time: most of a file's time is spent waiting on
// sockets, child processes and timers, and the machine has two cores. Each file's output is
// printed whole when it ends, headed by its name and time. Files that time something, starve a
// core, or restart a server on its port run afterwards, one at a time, with nothing beside them:
// a neighbour would be in their measurements, or take the port. Files that build the repo's one
// dist/ never run beside each other.
// Usage: node scripts/run-tests.mjs [FILE...]
// With no FILE, every test/*/*.test.ts. Prints the summed counts and the files that failed;
// exit code 1 if any did.
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
  ['test/cli/runtime-option.test.ts', 'the guard naming a route on each runtime'],
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
  // Redis stopped and started again on the same port: beside another file, its connections could take the port meanwhile.
  ['test/channels/redis-channel.test.ts', 'Redis restarted on its port'],
  ['test/examples/scale-demo.test.ts', 'Redis, two API processes and two workers under load; a SIGKILL timed against the backlog'],
  ['test/queue/durable-jobs.test.ts', 'Redis restarted on its port; 1,000 jobs and a SIGKILL timed against the backlog'],
  ['test/queue/queue-metrics.test.ts', 'Redis restarted on its port'],
  ['test/queue/queue-offload.test.ts', 'Redis restarted on its port; a job taken to have started after a fixed wait'],
  ['test/queue/redis-outage.test.ts', 'Redis killed and restarted under load, answers timed'],
  ['test/ratelimit/redis-store.test.ts', 'Redis restarted on its port'],
  ['test/pipeline/access-log.test.ts', 'stall waits in the access log'],
  ['test/pipeline/access-log-wait.test.ts', 'stall waits in the access log'],
  ['test/ws/router.test.ts', 'a blocking WebSocket route named'],
  // Answers within a tight bound (tens to a hundred ms over a timeout or a wait).
  ['test/deps/caching-and-concurrency.test.ts', 'overlapping dependencies timed against their waits'],
  ['test/deps/cleanup.test.ts', 'a 504 timed against the handler it cuts'],
  ['test/deps/offloaded.test.ts', 'phases of a request timed'],
  ['test/offload/timeout.test.ts', 'answers timed against offload timeouts'],
  ['test/testing/inject.test.ts', 'concurrent waits timed'],
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

/** The longest a test file may run (the slowest take ~3 min on a busy machine): then it is killed, and failed. */
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
 * Runs one test file with Node (node:test in the file's own process, the spec reporter), its
 * output printed as it comes if `live`. Run directly rather than under `node --test`, whose runner
 * process would register tsx a second time for each file.
 */
export async function runFile(file, live) {
  const started = Date.now();
  const { status, signal, text } = await runCaptured(process.execPath, ['--import', 'tsx', '--test-reporter=spec', file], { live });
  // The last summary: a test may print one of its own (a nested run) before it.
  const count = (name) => Number([...text.matchAll(new RegExp(`^(?:ℹ|#) ${name} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
  const counts = Object.fromEntries(COUNTS.map((name) => [name, count(name)]));
  const summarised = /^(?:ℹ|#) tests \d+$/m.test(text);
  // Failed: a non-zero exit, a signal, a failed test, or no summary at all (it ended early).
  const failed = status !== 0 || signal !== null || counts.fail > 0 || !summarised;
  return { file, failed, status, signal, seconds: (Date.now() - started) / 1000, text, counts, summarised };
}

/**
 * Every file, in two stages: two lanes for the files that may share the machine (a file that
 * writes dist/ waits while another such file runs), then the alone files one by one.
 */
export async function runSuite(names) {
  const started = Date.now();
  // As listed above: relative to the repo, with forward slashes.
  const files = names.map((name) => relative(root, resolvePath(root, name)).split(sep).join('/'));
  for (const prefix of ALONE.keys()) if (!existsSync(join(root, prefix))) console.warn(`run-tests: ${prefix} is listed to run alone but does not exist`);
  // The dist/ builders first: they are long, and they must not end up the last two in one lane.
  const queue = files.filter((file) => !isAlone(file)).sort((a, b) => Number(buildsDist(b)) - Number(buildsDist(a)));
  const alone = files.filter(isAlone);
  console.log(`${queue.length} test files two at a time, then ${alone.length} alone (scripts/run-tests.mjs says why)`);
  const results = [];
  let distBusy = false;
  const lane = async () => {
    for (;;) {
      const index = queue.findIndex((file) => !(distBusy && buildsDist(file)));
      if (index === -1) {
        if (queue.length === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 200)); // only dist/ builders left, one running
        continue;
      }
      const [file] = queue.splice(index, 1);
      const holdsDist = buildsDist(file);
      if (holdsDist) distBusy = true;
      const result = await runFile(file, false);
      if (holdsDist) distBusy = false;
      console.log(`\n=== ${file} (${result.seconds.toFixed(1)} s) ===`);
      process.stdout.write(result.text);
      results.push(result);
    }
  };
  await Promise.all([lane(), lane()]);
  for (const file of alone) {
    console.log(`\n=== ${file} (alone: ${[...ALONE].find(([prefix]) => matches(file, [prefix]))[1]}) ===`);
    const result = await runFile(file, true);
    console.log(`=== ${file}: ${result.seconds.toFixed(1)} s ===`);
    results.push(result);
  }
  const totals = Object.fromEntries(COUNTS.map((name) => [name, results.reduce((sum, result) => sum + result.counts[name], 0)]));
  const failed = results.filter((result) => result.failed);
  console.log(`\n=== ${results.length} test files, ${((Date.now() - started) / 60000).toFixed(1)} min ===`);
  for (const name of COUNTS) console.log(`ℹ ${name} ${totals[name]}`);
  console.log(`ℹ files failed ${failed.length}`);
  const slowest = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 8);
  console.log(`slowest: ${slowest.map((result) => `${result.file} ${result.seconds.toFixed(0)} s`).join(', ')}`);
  if (failed.length > 0) {
    // One list at the end, as node --test prints it: each failed test's line from its file's output.
    console.log('\n✖ failing tests:\n');
    for (const result of failed) {
      const lines = result.text.split('\n').filter((line) => /^\s*✖ /.test(line) && !/^\s*✖ failing tests:/.test(line) && !/# (TODO|deliberate)/i.test(line));
      const why = result.signal !== null ? `killed by ${result.signal}` : !result.summarised ? `exited ${result.status} before its summary` : `exited ${result.status}`;
      console.log(`test file ${result.file} (${why}; its output is above, under === ${result.file} ===)`);
      for (const line of [...new Set(lines)]) console.log(line);
    }
  }
  return failed.length > 0 ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const named = process.argv.slice(2);
  process.exitCode = await runSuite(named.length > 0 ? named : allTestFiles());
}
