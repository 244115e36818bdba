// The README quotes the loop guard's warning for the seed app, with the line it names: that line
// must still be the blocking call inside the function it names, or the sample lies after an edit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);

test("the README's guard sample names the seed app's blocking line and its function", () => {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const cited = [...readme.matchAll(/(examples\/[\w/-]+\.ts):(\d+) \((\w+)\)/g)];
  assert.ok(cited.length > 0, 'the README cites no examples/ line');
  for (const [, file, line, fn] of cited) {
    const lines = readFileSync(new URL(file!, root), 'utf8').split('\n');
    const index = Number(line) - 1;
    assert.match(lines[index] ?? '', /Atomics\.wait\(/, `${file}:${line} is not the blocking call`);
    const opening = lines.slice(0, index).findLastIndex((l) => /^(export )?(async )?function \w+/.test(l));
    assert.match(lines[opening] ?? '', new RegExp(`function ${fn}\\(`), `${file}:${line} is not inside ${fn}()`);
  }
});
