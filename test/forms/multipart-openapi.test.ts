// The document of an app with upload routes, checked by Redocly CLI's `lint` (recommended rules),
// as test/openapi/lint.test.ts does for the every-feature app: file fields as binary strings under
// multipart/form-data, lists of files, and an urlencoded form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App, t, upload } from '../../src/index.js';

const run = promisify(execFile);
const redocly = fileURLToPath(new URL('../../node_modules/@redocly/cli/bin/cli.js', import.meta.url));
const ACCEPTED_WARNINGS = new Set(['operation-4xx-response', 'info-license', 'tag-description']);

test('a document with multipart uploads lints clean with @redocly/cli', async () => {
  const app = new App({ logger: false, title: 'Uploads', version: '1.0.0' });
  const Photo = t.Object({ id: t.Integer(), filename: t.String(), size: t.Integer() }, { $id: 'Photo' });
  app.post(
    '/albums/:id/photos',
    {
      params: t.Object({ id: t.Integer() }),
      consumes: ['multipart/form-data'],
      body: t.Object({
        caption: t.String({ description: 'Shown under the photo' }),
        photo: upload({ description: 'The image itself' }),
        extras: t.Optional(t.Array(upload(), { maxItems: 5 })),
      }),
      response: { 201: Photo },
      status: 201,
      tags: ['photos'],
    },
    async ({ params, body }) => ({ id: params.id, filename: body.photo.filename, size: body.photo.size }),
  );
  app.post('/login', { consumes: ['application/x-www-form-urlencoded'], body: t.Object({ username: t.String(), password: t.String() }), tags: ['auth'] }, () => ({ ok: true }));

  const document = app.openapi();
  const photo = (document.paths['/albums/{id}/photos'] as any).post.requestBody.content['multipart/form-data'].schema.properties.photo;
  assert.deepEqual(photo, { type: 'string', format: 'binary', description: 'The image itself' });

  const dir = mkdtempSync(join(tmpdir(), 'loopwise-multipart-lint-'));
  try {
    const file = join(dir, 'uploads.json');
    writeFileSync(file, JSON.stringify(document));
    const { stdout } = await run(process.execPath, [redocly, 'lint', file, '--format', 'json'], {
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const report = JSON.parse(stdout) as { problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[] };
    const problems = report.problems.filter((p) => p.severity === 'error' || !ACCEPTED_WARNINGS.has(p.ruleId));
    assert.deepEqual(problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
