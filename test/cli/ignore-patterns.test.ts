// `loopwise dev --ignore`: a directory, a glob anchored at the current directory, a name glob.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { globToRegExp, ignoreMatcher } from '../../src/cli/ignore-patterns.js';

test('globs: * within a name, ** across directories, ? one character, the rest literal', () => {
  assert.ok(globToRegExp('*.test.ts').test('app.test.ts'));
  assert.ok(!globToRegExp('*.test.ts').test('src/app.test.ts'));
  assert.ok(!globToRegExp('*.test.ts').test('app.testXts'));
  assert.ok(globToRegExp('src/**/*.ts').test('src/a/b/c.ts'));
  assert.ok(globToRegExp('src/**/*.ts').test('src/c.ts'));
  assert.ok(globToRegExp('gen/**').test('gen/a/b.ts'));
  assert.ok(globToRegExp('v?.ts').test('v2.ts'));
  assert.ok(!globToRegExp('v?.ts').test('v10.ts'));
  assert.ok(globToRegExp('a+(b).ts').test('a+(b).ts'));
});

test('a directory, an anchored glob and a name glob each ignore what they name, and nothing else', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'loopwise-ignore-'));
  try {
    mkdirSync(join(cwd, 'src/data'), { recursive: true });
    const root = join(cwd, 'src');
    const ignored = ignoreMatcher(['src/data', 'src/generated/**', 'out/', '*.local.ts', 'scratch'], [root], cwd);
    // The existing directory, from the current directory: everything under it.
    assert.ok(ignored(join(cwd, 'src/data')));
    assert.ok(ignored(join(cwd, 'src/data/seed/a.ts')));
    assert.ok(!ignored(join(cwd, 'src/database.ts')));
    // A glob with a slash, anchored at the current directory: also a directory itself.
    assert.ok(ignored(join(cwd, 'src/generated/client.ts')));
    assert.ok(ignored(join(cwd, 'out/a.ts')));
    assert.ok(!ignored(join(cwd, 'lib/src/generated/client.ts')));
    // A name glob: the file's name, or a directory's, at any depth under the watched root.
    assert.ok(ignored(join(root, 'settings.local.ts')));
    assert.ok(ignored(join(root, 'deep/er/settings.local.ts')));
    assert.ok(ignored(join(root, 'scratch/try.ts')));
    assert.ok(!ignored(join(root, 'app.ts')));
    // Above the watched root, names do not count (the temporary directory's own name is no match).
    assert.ok(!ignoreMatcher([cwd.split('/').at(-1)!], [root], cwd)(join(root, 'app.ts')));
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
