import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { App } from '../../src/index.js';

const RUNS = 200;

function app(): App {
  const app = new App({ logger: false });
  app.get('/a/:x/b/:y', ({ params }) => ({ x: params.x, y: params.y }));
  return app;
}

/**
 * Any non-empty text that stays one segment once written with encodeURIComponent: not "." or
 * ".." (clients resolve those), and short enough to stay under the 100-character parameter limit.
 */
const segment = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 20 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }),
    fc.constantFrom('a/b', '?', '#', '%', '%20', '+', ' ', ';', ':x', '*', 'é', '\u00a0', '😀'),
  )
  .filter((s) => s !== '.' && s !== '..' && encodeURIComponent(s).length <= 100);

describe('path matching properties', () => {
  test('a route /a/:x/b/:y matches any encoded x and y and returns them exactly', async () => {
    const server = app();
    await fc.assert(
      fc.asyncProperty(segment, segment, async (x, y) => {
        const res = await server.inject({ url: `/a/${encodeURIComponent(x)}/b/${encodeURIComponent(y)}` });
        assert.equal(res.statusCode, 200, `x=${JSON.stringify(x)} y=${JSON.stringify(y)} answered ${res.statusCode} ${res.body}`);
        assert.deepEqual(res.json(), { x, y });
      }),
      { numRuns: RUNS },
    );
  });

  test('a path that differs from /a/:x/b/:y in a static segment is 404', async () => {
    const server = app();
    const otherStatic = segment.filter((s) => s !== 'b');
    const firstStatic = segment.filter((s) => s !== 'a');
    await fc.assert(
      fc.asyncProperty(segment, segment, otherStatic, firstStatic, fc.boolean(), async (x, y, notB, notA, changeFirst) => {
        const url = changeFirst
          ? `/${encodeURIComponent(notA)}/${encodeURIComponent(x)}/b/${encodeURIComponent(y)}`
          : `/a/${encodeURIComponent(x)}/${encodeURIComponent(notB)}/${encodeURIComponent(y)}`;
        const res = await server.inject({ url });
        assert.equal(res.statusCode, 404, `${url} answered ${res.statusCode} ${res.body}`);
        assert.deepEqual(res.json(), { detail: 'Not Found' });
      }),
      { numRuns: RUNS },
    );
  });

  test('a path with a segment too few or too many is 404', async () => {
    const server = app();
    await fc.assert(
      fc.asyncProperty(segment, segment, segment, async (x, y, extra) => {
        const short = await server.inject({ url: `/a/${encodeURIComponent(x)}/b` });
        assert.equal(short.statusCode, 404);
        const long = await server.inject({ url: `/a/${encodeURIComponent(x)}/b/${encodeURIComponent(y)}/${encodeURIComponent(extra)}` });
        assert.equal(long.statusCode, 404);
      }),
      { numRuns: RUNS },
    );
  });
});
