// The README's demo with its server on Bun (`npm run demo -- --runtime bun`), shortened: the same
// verdicts as on Node (async OK, offloaded OK, blocking BAD), the guard's warning from the Bun
// server's log, and a report that names Bun. seed-demo.test.ts checks the Node run and the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { PINNED_BUN_VERSION } from '../support/cli-process.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const demo = join(root, 'examples/seed/demo.ts');
/** The demo itself runs as `npm run demo` runs it: on Node through tsx (or on Bun, which needs none). */
const loader = process.versions.bun === undefined ? ['--import', 'tsx'] : [];

test('npm run demo -- --runtime bun: the server on Bun, /async and /sync OK, /blocking BAD with the guard\'s warning, the report names Bun', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-demo-bun-'));
  try {
    const report = join(dir, 'report.html');
    const { stdout } = await run(process.execPath, [...loader, demo, '--runtime', 'bun'], {
      cwd: root,
      env: { ...process.env, SEED_DELAY_MS: '300', SEED_DURATION: '2', SEED_REPORT: report },
      timeout: 120_000,
    });
    assert.match(stdout, new RegExp(`^The server: examples/seed/serve\\.ts on Bun ${PINNED_BUN_VERSION.replace(/\./g, '\\.')} `, 'm'));
    const lines = stdout.split('\n');
    for (const line of lines) assert.ok(line.length <= 120, `${line.length} characters, wider than a terminal: ${line}`);
    const header = lines.find((line) => line.startsWith('route '))!;
    const block = (route: string) => {
      const at = lines.findIndex((line) => line.startsWith(`GET ${route} `));
      assert.ok(at >= 0, `no row for ${route}:\n${stdout}`);
      const blocked = lines[at]!.slice(header.indexOf('blocked'), header.indexOf('/json req/s')).trim();
      return { row: lines[at]!, verdict: lines[at + 1]!.trim(), beside: lines[at + 2]!.trim(), blocked };
    };
    const [async, sync, blocking] = [block('/async'), block('/sync'), block('/blocking')];
    assert.match(async.row, /\basync\b/);
    assert.match(async.verdict, /^→ OK: non-blocking/, stdout);
    assert.match(sync.row, /\boffloaded\b/);
    assert.match(sync.verdict, /^→ OK: non-blocking/, stdout);
    assert.match(blocking.row, /\bblocking-inline\b/);
    assert.match(blocking.verdict, /^→ BAD: blocks the event loop.*named it for \d+ stalls/, stdout);
    assert.equal(async.blocked, '0 ms');
    assert.equal(sync.blocked, '0 ms');
    const [, ms, stalls] = /^([\d,]+) ms, (\d+) stalls$/.exec(blocking.blocked) ?? [];
    assert.ok(Number(ms?.replace(/,/g, '')) >= 1_200 && Number(stalls) >= 2, `blocked: ${blocking.blocked}`);
    assert.match(async.beside, /^\/json beside it: untouched by GET \/async/, stdout);
    assert.match(sync.beside, /^\/json beside it: untouched by GET \/sync/, stdout);
    // /json beside /blocking waited behind whole 300 ms waits, whatever the verdict its quiet p99 gives.
    const besideP99 = /p99 ([\d,.]+) ms, against/.exec(blocking.beside)?.[1];
    assert.ok(/none answered/.test(blocking.beside) || Number(besideP99?.replace(/,/g, '')) >= 300, blocking.beside);
    assert.match(stdout, /^ {4}GET \/blocking blocked the event loop for \d+ ms/m, stdout);

    const html = readFileSync(report, 'utf8');
    assert.match(html, new RegExp(`· Bun ${PINNED_BUN_VERSION.replace(/\./g, '\\.')} ·`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
