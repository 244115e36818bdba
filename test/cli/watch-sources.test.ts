// The file watcher behind `loopwise dev`: every save of a source file is seen, also an editor's
// write-then-rename save repeated (which Node's recursive fs.watch misses on Linux after the
// first), in new directories too; node_modules, .git, dist and non-source files are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { watchSources } from '../../src/cli/watch-sources.js';

test('sees every save under the roots, once per burst, and ignores dependencies, history, output and other files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-watch-'));
  for (const sub of ['src/routes', 'node_modules/pkg', '.git', 'dist']) mkdirSync(join(dir, sub), { recursive: true });
  const batches: string[][] = [];
  const reported: string[] = [];
  // 300 ms of quiet ends a burst: generous, so a loaded machine does not split one.
  const watcher = watchSources([dir], (files) => {
    batches.push(files);
    reported.push(...files);
  }, 300);
  /** Repeats `edit` (bounded) until a batch names `file`: a watcher may attach just after an edit. */
  const seen = async (file: string, edit: () => void): Promise<void> => {
    for (let attempt = 0; attempt < 40; attempt++) {
      edit();
      for (let wait = 0; wait < 40; wait++) {
        await sleep(25);
        if (batches.some((batch) => batch.includes(file))) return;
      }
    }
    assert.fail(`no change reported for ${file}; batches: ${JSON.stringify(batches)}`);
  };
  try {
    // Ignored: written first, so if they were reported they would be in a batch before the next one.
    writeFileSync(join(dir, 'node_modules/pkg/index.js'), 'x');
    writeFileSync(join(dir, '.git/index.json'), 'x');
    writeFileSync(join(dir, 'dist/app.js'), 'x');
    writeFileSync(join(dir, 'notes.md'), 'x');
    writeFileSync(join(dir, 'src/app.ts.swp'), 'x');

    const app = join(dir, 'app.ts');
    await seen(app, () => writeFileSync(app, 'one'));

    batches.length = 0; // a burst: three saves at once are one restart
    for (const text of ['two', 'three', 'four']) writeFileSync(app, text);
    for (let wait = 0; wait < 400 && batches.length === 0; wait++) await sleep(25);
    await sleep(400);
    assert.deepEqual(batches, [[app]]);

    const route = join(dir, 'src/routes/items.ts');
    for (const version of ['a', 'b', 'c']) {
      batches.length = 0;
      await seen(route, () => {
        writeFileSync(`${route}.tmp`, version);
        renameSync(`${route}.tmp`, route);
      });
    }

    const config = join(dir, 'src/new/config.json'); // a directory made after the watch started
    mkdirSync(join(dir, 'src/new'));
    await seen(config, () => writeFileSync(config, '{}'));

    await sleep(400); // let a last burst settle before checking what was reported
    assert.ok(reported.every((file) => /\.(ts|json)$/.test(file) && !/node_modules|\.git|dist/.test(file)), JSON.stringify(reported));
  } finally {
    watcher.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
