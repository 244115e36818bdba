import assert from 'node:assert/strict';
import type { App } from '../../src/index.js';
import { LoopwiseError } from '../../src/index.js';
import { freePort } from './cli-process.js';
import { tryConnect } from './try-connect.js';

/**
 * An app that must not start: ready() throws `message` (the whole text, code included), listen()
 * rejects with it, and nothing listens on the port it was given.
 */
export async function assertStartupRefused(app: App<boolean, any>, message: string): Promise<void> {
  const same = (error: unknown): boolean => {
    assert.ok(error instanceof LoopwiseError, `expected a LoopwiseError, got ${String(error)}`);
    assert.equal(error.message, message);
    return true;
  };
  assert.throws(() => app.ready(), same);
  const port = await freePort();
  await assert.rejects(app.listen({ port, handleSignals: false }), same);
  assert.equal(app.server, null);
  assert.equal(await tryConnect(port), 'ECONNREFUSED');
  await app.close();
}
