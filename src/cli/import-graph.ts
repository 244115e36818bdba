import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { isBun } from '../runtime-env.js';

/**
 * A module loader hook that names every `file:` module it loads, outside node_modules. Plain
 * JavaScript in a data: URL: it runs on Node's loader thread, which has no TypeScript loader of
 * its own, and needs no file next to this one in dist/.
 */
const LOAD_HOOK = `
let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && !url.includes('/node_modules/')) port.postMessage(url);
  return nextLoad(url, context);
}
`;

/**
 * Calls `onFile` with the path of each ES module this process loads from now on (the app module
 * and every file it imports, also later dynamic imports): what `loopwise dev` restarts on.
 * Tells nothing about files read with fs or CommonJS ones required from CommonJS (see requiredFiles).
 * Bun runs no loader hooks (its module.register() does nothing); its require.cache, which
 * dev-standby reads once the app listens, lists the ES modules too.
 */
export function recordImports(onFile: (file: string) => void): void {
  if (isBun()) return;
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (url: string) => {
    const bare = url.replace(/[?#].*$/, ''); // tsx tags some URLs with a query
    try {
      onFile(fileURLToPath(bare));
    } catch {
      // not a file path after all: nothing to watch
    }
  });
  port1.unref(); // the standby lives as long as its IPC channel, not this port
  register(`data:text/javascript,${encodeURIComponent(LOAD_HOOK)}`, { data: { port: port2 }, transferList: [port2] });
}
