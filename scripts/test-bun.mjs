// `npm run test:bun`: the whole suite (every test/*/*.test.ts) under Bun, the pinned devDependency
// (node_modules/.bin/bun, installed by npm ci from the npm registry). One `bun test` per test
// folder: each process starts clean, and its memory is bounded by one folder's leftovers (Bun
// ignores worker_threads' resourceLimits, so a runaway worker is only stopped by its process
// ending). Two folders run at a time, each one's output printed whole when it ends (a folder's
// files run one after another, so test/package's never build dist/ at once); the files that must
// run alone (scripts/run-tests.mjs names them: they time something or starve a core) run
// afterwards, a folder's worth at a time, with nothing beside them.
// Prints per-folder and total counts, every skipped test with its reason, every failure; exits
// non-zero when anything failed.
//
// bun test counts node:test's `{ skip: 'reason' }` but never prints the reason: skipOnBun
// (test/support/runtime.ts) appends each reason, with the file and line it was declared at, to
// the file named by LOOPWISE_TEST_SKIP_LOG, and this script joins it to the junit report's
// skipped tests. Usage: node scripts/test-bun.mjs [test/folder | test/folder/file.test.ts …]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allTestFiles, isAlone, runCaptured } from './run-tests.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bun = join(root, 'node_modules', '.bin', 'bun');
if (!existsSync(bun)) {
  console.error(`test:bun: ${relative(root, bun)} is missing: run npm ci (bun is a pinned devDependency, its postinstall fetches the binary from the npm registry).`);
  process.exit(1);
}

// Per-test limits in ms, above the 60 s default: bun test applies --timeout to hooks too and ignores
// a hook's own { timeout } (Bun 1.4.5); test/package's before() packs the package (a full build).
const TIMEOUTS = { 'test/package': 240_000 };

// Folders whose files take far longer than their count says (CI, Bun 1.4.5): test/cli's start CLI
// processes (~70 s), test/package's build and pack the package (~45 s); the largest folder takes
// ~20 s. Started last by file count, one of them left its lane running ~15 s after the other ended.
const SLOW_FOLDERS = ['test/cli', 'test/package'];

const started = Date.now();
const batches = testBatches(process.argv.slice(2));
const work = mkdtempSync(join(tmpdir(), 'loopwise-test-bun-'));
const skipLog = join(work, 'skips.jsonl');
const results = [];
try {
  // The longest folders first, so the two lanes end close together: those of SLOW_FOLDERS, then by
  // their number of files.
  const slowRank = (batch) => (SLOW_FOLDERS.includes(batch.folder) ? SLOW_FOLDERS.indexOf(batch.folder) : SLOW_FOLDERS.length);
  const shared = batches.filter((batch) => !batch.alone).sort((a, b) => slowRank(a) - slowRank(b) || b.files.length - a.files.length);
  let next = 0;
  const lane = async () => {
    while (next < shared.length) results.push(await runBatch(shared[next++]));
  };
  await Promise.all([lane(), lane()]);
  for (const batch of batches.filter((batch) => batch.alone)) results.push(await runBatch(batch));
  results.sort((a, b) => a.folder.localeCompare(b.folder));
  const skipReasons = readSkipLog(skipLog);
  report(results, skipReasons);
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = results.some((batch) => batch.failed) ? 1 : 0;

/**
 * One batch per folder (its files that may share the machine) and one per folder of those that
 * must run alone, labelled "<folder> (alone)"; arguments narrow it to folders or single files.
 */
function testBatches(args) {
  return folderFiles(args).flatMap(([folder, files]) => {
    const alone = files.filter(isAlone);
    const shared = files.filter((file) => !isAlone(file));
    return [
      ...(shared.length > 0 ? [{ folder, label: folder, files: shared, alone: false }] : []),
      ...(alone.length > 0 ? [{ folder, label: alone.length === files.length ? folder : `${folder} (alone)`, files: alone, alone: true }] : []),
    ];
  });
}

/** Folder → its test files, sorted; arguments narrow it to folders or single files. */
function folderFiles(args) {
  const byFolder = new Map();
  for (const file of allTestFiles()) {
    const folder = file.slice(0, file.lastIndexOf('/'));
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), file]);
  }
  const all = [...byFolder];
  if (args.length === 0) return all;
  const wanted = args.map((arg) => relative(root, join(root, arg)));
  for (const arg of wanted) if (!existsSync(join(root, arg))) throw new Error(`test:bun: ${arg} does not exist`);
  return all
    .map(([folder, files]) => [folder, files.filter((file) => wanted.some((want) => file === want || (statSync(join(root, want)).isDirectory() && file.startsWith(`${want}/`))))])
    .filter(([, files]) => files.length > 0);
}

async function runBatch({ folder, label, files, alone }) {
  const junit = join(work, `${label.replace(/\W+/g, '_')}.xml`);
  const batchStart = Date.now();
  const heading = `\n=== bun test ${label} (${files.length} files) ===`;
  // --timeout: bun test's default per-test limit is 5 s; node:test (which the suite is written for) has none.
  const args = ['test', '--timeout', String(TIMEOUTS[folder] ?? 60_000), '--reporter=junit', `--reporter-outfile=${junit}`, ...files.map((file) => `./${file}`)];
  const env = { ...process.env, LOOPWISE_TEST_SKIP_LOG: skipLog };
  let run;
  if (alone) {
    console.log(heading);
    run = spawnSync(bun, args, { cwd: root, stdio: 'inherit', env });
  } else {
    // Beside another batch: its output is kept and printed whole when it ends.
    run = await runCaptured(bun, args, { env });
    console.log(heading);
    process.stdout.write(run.text);
  }
  const seconds = (Date.now() - batchStart) / 1000;
  const cases = existsSync(junit) ? parseJunit(readFileSync(junit, 'utf8')) : [];
  const count = (status) => cases.filter((testCase) => testCase.status === status).length;
  const exit = run.signal !== null ? `killed by ${run.signal}` : run.status;
  // A file that fails to load, or a process that dies, may leave no failed test behind: the exit status decides too.
  const failed = run.status !== 0 || count('fail') > 0;
  return { folder: label, files: files.length, cases, pass: count('pass'), fail: count('fail'), skip: count('skip'), todo: count('todo'), exit, failed, seconds };
}

/** The <testcase> elements of bun's junit report: name, suite path, file, line and outcome. */
function parseJunit(xml) {
  const cases = [];
  const testCase = /<testcase\s([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const match of xml.matchAll(testCase)) {
    const attributes = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, unescapeXml(value)]));
    const body = match[3] ?? '';
    const status = /<(failure|error)\b/.test(body) ? 'fail' : /<skipped message="TODO"/.test(body) ? 'todo' : /<skipped\b/.test(body) ? 'skip' : 'pass';
    const title = [attributes.classname, attributes.name].filter((part) => part !== undefined && part !== '').join(' > ');
    // CI keeps only the tail of its log: a failure's message goes in the summary, not just above it.
    const failure = /<(?:failure|error)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/(?:failure|error)>)/.exec(body);
    const attribute = failure === null ? undefined : /\bmessage="([^"]*)"/.exec(failure[1])?.[1];
    const message = failure === null ? '' : unescapeXml([attribute, failure[2]].filter((part) => part !== undefined && part.trim() !== '').join('\n'));
    cases.push({ title, file: attributes.file ?? '', line: Number(attributes.line ?? 0), status, message });
  }
  return cases;
}

function unescapeXml(text) {
  return text.replace(/&(#x[0-9a-f]+|#\d+|quot|apos|lt|gt|amp);/gi, (_, entity) => {
    if (entity[0] === '#') return String.fromCodePoint(entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
    return { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' }[entity.toLowerCase()];
  });
}

function readSkipLog(path) {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line))
    .map((entry) => ({ ...entry, file: entry.file === null ? '' : relative(root, isAbsolute(entry.file) ? entry.file : join(root, entry.file)) }));
}

/**
 * The reason declared nearest to the skipped test's line in its file (bun's junit line is the
 * test's name, skipOnBun may sit a line or two off); else, when skipOnBun is called from a helper
 * of the file (one reason for all its tests), that file's one reason.
 */
function reasonFor(testCase, reasons) {
  const inFile = reasons.filter((entry) => entry.file === testCase.file);
  const near = inFile.filter((entry) => Math.abs(entry.line - testCase.line) <= 3);
  near.sort((a, b) => Math.abs(a.line - testCase.line) - Math.abs(b.line - testCase.line));
  if (near.length > 0) return near[0].reason;
  const fileReasons = new Set(inFile.map((entry) => entry.reason));
  if (fileReasons.size === 1) return [...fileReasons][0];
  return 'no reason recorded (skipped without skipOnBun)';
}

function report(batches, reasons) {
  const total = { files: 0, pass: 0, fail: 0, skip: 0, todo: 0 };
  console.log('\n=== Bun: results per folder ===');
  console.log(`${'folder'.padEnd(24)} ${'files'.padStart(5)} ${'pass'.padStart(5)} ${'fail'.padStart(5)} ${'skip'.padStart(5)} ${'todo'.padStart(5)}  time   exit`);
  for (const batch of batches) {
    for (const key of Object.keys(total)) total[key] += batch[key];
    console.log(
      `${batch.folder.padEnd(24)} ${String(batch.files).padStart(5)} ${String(batch.pass).padStart(5)} ${String(batch.fail).padStart(5)} ${String(batch.skip).padStart(5)} ${String(batch.todo).padStart(5)}  ${`${batch.seconds.toFixed(0)}s`.padStart(5)}  ${batch.exit}`,
    );
  }
  const skipped = batches.flatMap((batch) => batch.cases.filter((testCase) => testCase.status === 'skip'));
  console.log(`\n=== Bun: ${skipped.length} skipped ===`);
  for (const testCase of skipped) console.log(`- ${testCase.file}:${testCase.line} ${testCase.title}\n    ${reasonFor(testCase, reasons)}`);
  const failures = batches.flatMap((batch) => batch.cases.filter((testCase) => testCase.status === 'fail'));
  if (failures.length > 0) {
    console.log(`\n=== Bun: ${failures.length} failed ===`);
    for (const testCase of failures) {
      console.log(`- ${testCase.file}:${testCase.line} ${testCase.title}`);
      const lines = testCase.message.split('\n').filter((line) => line.trim() !== '').slice(0, 12);
      for (const line of lines) console.log(`    ${line.slice(0, 300)}`);
    }
  }
  for (const batch of batches) if (batch.failed && batch.fail === 0) console.log(`- ${batch.folder}: bun test exited ${batch.exit} with no failed test reported (a file failed to load or the process died: see its output above)`);
  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  console.log(`\nBun ${bunVersion()}: ${total.files} files, ${total.pass} pass, ${total.fail} fail, ${total.skip} skip, ${total.todo} todo, ${minutes} min`);
}

function bunVersion() {
  return spawnSync(bun, ['--version'], { encoding: 'utf8' }).stdout.trim();
}
