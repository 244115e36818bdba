// The README's five-minute tutorial is what a newcomer copies. It says "the whole app is in
// examples/tutorial/app.ts", which test/examples/tutorial.test.ts checks; this runs the README's own
// code block and asks both apps the same requests, so the copy cannot drift from the tested app (it
// once returned the stored items whole from GET /items, costPrice included). Both are loaded from
// fresh copies: the example's module, shared with tutorial.test.ts in a batch, keeps its items.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { App } from '../../src/index.js';

const root = new URL('../../', import.meta.url);

const SRC_INDEX = JSON.stringify(new URL('src/index.ts', root).href);

/** The tutorial's first ```ts block, importing this checkout's loopwise, and not listening. */
function readmeTutorial(): string {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const section = readme.slice(readme.indexOf('## Five-minute tutorial'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block !== undefined, 'the README has no tutorial code block');
  assert.match(block, /from 'loopwise';/);
  assert.match(block, /^await app\.listen\(.*$/m);
  return block.replace("from 'loopwise';", `from ${SRC_INDEX};`).replace(/^await app\.listen\(.*$/m, '');
}

/** examples/tutorial/app.ts as a module of its own, importing this checkout's loopwise. */
function exampleCopy(): string {
  const source = readFileSync(new URL('examples/tutorial/app.ts', root), 'utf8');
  assert.match(source, /from '\.\.\/\.\.\/src\/index\.js';/);
  return source.replace("from '../../src/index.js';", `from ${SRC_INDEX};`);
}

const REQUESTS = [
  { method: 'POST', url: '/items', body: { name: 'Pen', price: 2.5 } },
  { method: 'POST', url: '/items', body: { name: 'Ink', price: 4, tags: ['refill'] } },
  { method: 'POST', url: '/items', body: { name: '', price: -1 } },
  { method: 'GET', url: '/items' },
  { method: 'GET', url: '/items?tag=refill&limit=5' },
  { method: 'GET', url: '/items?limit=0' },
  { method: 'GET', url: '/items/1' },
  { method: 'GET', url: '/items/99' },
  { method: 'GET', url: '/items/abc' },
  { method: 'DELETE', url: '/items/2' },
  { method: 'DELETE', url: '/items/2' },
] as const;

async function answers(app: App): Promise<{ request: string; status: number; body: string }[]> {
  const out = [];
  for (const request of REQUESTS) {
    const res = await app.inject(request);
    out.push({ request: `${request.method} ${request.url}`, status: res.statusCode, body: res.body });
  }
  return out;
}

test("the README's tutorial code answers as examples/tutorial/app.ts does, and never sends costPrice", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-readme-tutorial-'));
  try {
    const load = async (name: string, source: string): Promise<App> => {
      const file = join(dir, name); // .mts: an ES module wherever it lies (the temporary folder has no package.json)
      writeFileSync(file, source);
      return ((await import(pathToFileURL(file).href)) as { app: App }).app;
    };
    const fromReadme = await load('readme-app.mts', readmeTutorial());
    const example = await load('example-app.mts', exampleCopy());
    const got = await answers(fromReadme);
    assert.deepEqual(got, await answers(example));
    for (const { request, body } of got) assert.doesNotMatch(body, /costPrice/, `${request} sent costPrice`);
    assert.deepEqual(JSON.parse(got.find((a) => a.request === 'GET /items')!.body), [{ id: 1, name: 'Pen' }, { id: 2, name: 'Ink' }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
