// A 50 MB upload crosses a real socket into a server running in its own process, whose memory is
// sampled every 5 ms while it arrives: the file is streamed to disk, so the memory the server holds
// must not grow by more than a few MB (the bound below is generous: 20 MiB), and the temporary file
// is gone after the response.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from '../support/http.js';
import { socketGet } from '../support/socket-get.js';
import { withTimeout } from '../support/with-timeout.js';
import { streamMultipart } from './fixtures/multipart-client.js';

const MB = 1_000_000;
const MIB = 1024 * 1024;
const server = fileURLToPath(new URL('./fixtures/multipart-memory-server.ts', import.meta.url));

async function startServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', server], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const port = await withTimeout(
    new Promise<number>((resolve, reject) => {
      lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
      child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
    }),
    15_000,
    'the multipart memory server to listen',
  );
  return { child, port };
}

async function post(port: number, path: string): Promise<unknown> {
  return (await request(port, path, { method: 'POST' })).json();
}

interface Memory {
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
  baselineRss: number;
}

const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;

test('a 50 MB upload is streamed to disk: the server holds less than 20 MB more while it arrives, and the temporary file is removed', async (t) => {
  const { child, port } = await startServer();
  try {
    // Warm up every code path (busboy, spooling, hashing the file back) with a 4 MB upload first.
    const warm = await streamMultipart(port, '/upload', [
      { name: 'note', value: 'warm-up' },
      { name: 'file', filename: 'warm.bin', size: 4 * MB },
    ]);
    assert.equal(warm.status, 200, warm.body);

    // What the server holds: garbage is collected every 20 ms while the upload arrives, so the
    // peaks are live memory. Buffering the upload anywhere would add 50 MB here.
    await post(port, '/memory/reset?collect=1');
    let started = performance.now();
    const size = 50 * MB;
    const parts = [
      { name: 'note', value: 'big one' },
      { name: 'file', filename: 'big.bin', size, contentType: 'application/octet-stream' },
    ];
    const res = await streamMultipart(port, '/upload', parts, { timeout: 30_000 });
    const held = { seconds: (performance.now() - started) / 1000, memory: JSON.parse((await socketGet(port, '/memory')).body) as Memory };
    assert.equal(res.status, 200, res.body);
    const result = JSON.parse(res.body) as { note: string; size: number; sha256: string; inMemory: boolean; path: string | null };
    assert.equal(result.note, 'big one');
    assert.equal(result.size, size);
    assert.equal(result.sha256, res.sha256[0], 'the file the handler read back is the file that was sent');
    assert.equal(result.inMemory, false);
    assert.ok(result.path !== null);

    // The same upload with the GC left alone, for the record: Node's HTTP parser copies every body
    // chunk into a new buffer, and V8 lets a few tens of MB of them wait for a collection (about
    // 32 MB on Node 20, 64 MB on Node 24, whatever the upload's size; a raw node:http server that
    // discards the body shows the same). That is garbage, not memory the upload keeps.
    await post(port, '/memory/reset');
    started = performance.now();
    const again = await streamMultipart(port, '/upload', parts, { timeout: 30_000 });
    const unforced = { seconds: (performance.now() - started) / 1000, memory: JSON.parse((await socketGet(port, '/memory')).body) as Memory };
    assert.equal(again.status, 200, again.body);

    t.diagnostic(
      `50 MB upload, node ${process.version}, server RSS at rest ${mib(held.memory.baselineRss)}. ` +
        `Live (GC every 20 ms): ${held.seconds.toFixed(2)} s, peak RSS +${mib(held.memory.rss)}, heap +${mib(held.memory.heapUsed)}, buffers +${mib(held.memory.arrayBuffers)}. ` +
        `GC left alone: ${unforced.seconds.toFixed(2)} s, peak RSS +${mib(unforced.memory.rss)}, heap +${mib(unforced.memory.heapUsed)}, buffers +${mib(unforced.memory.arrayBuffers)}.`,
    );
    assert.ok(held.memory.rss < 20 * MIB, `the server's RSS grew by ${mib(held.memory.rss)} while receiving 50 MB`);
    assert.ok(held.memory.heapUsed < 10 * MIB, `the server's heap grew by ${mib(held.memory.heapUsed)} while receiving 50 MB`);

    // The temporary file is deleted once the response is done ('close' may come just after the client has the answer).
    for (let i = 0; i < 40 && existsSync(result.path!); i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(existsSync(result.path!), false, `${result.path} was left behind`);
  } finally {
    child.kill('SIGTERM');
    await withTimeout(new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))), 5_000, 'the server to exit');
  }
});
