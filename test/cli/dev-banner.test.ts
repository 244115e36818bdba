// The banner `loopwise dev` prints once the app listens names the runtime and only the pages the App serves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { devBanner } from '../../src/cli/dev-banner.js';

test('names the runtime, the app URL, its docs page where the App has one, and /metrics when metrics are on', () => {
  const url = 'http://127.0.0.1:8000';
  const full = devBanner('Shop', url, { docs: '/docs', metrics: true }, 'Bun 1.4.5');
  assert.match(full, /^\nloopwise dev on Bun 1\.4\.5\n/);
  assert.match(full, /Shop is running at http:\/\/127\.0\.0\.1:8000\n/);
  assert.match(full, /API docs: +http:\/\/127\.0\.0\.1:8000\/docs\n/);
  assert.match(full, /metrics: +http:\/\/127\.0\.0\.1:8000\/metrics\n/);
  assert.match(devBanner('Shop', url, { docs: '/api-docs', metrics: false }, 'Node 20.19.0'), /API docs: +http:\/\/127\.0\.0\.1:8000\/api-docs\n/);
  const bare = devBanner('Shop', url, { docs: false, metrics: false }, 'Node 20.19.0');
  assert.doesNotMatch(bare, /API docs|metrics/);
});
