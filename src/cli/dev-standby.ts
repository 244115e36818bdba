// The process `loopwise dev` serves the app in, started ahead of time: Node is up, the TypeScript
// loader registered and loopwise imported before any save, so a save only costs importing the
// app's own modules. Started by src/cli/dev-command.ts with the serve options as JSON in argv[2].
//
// Supervisor → standby: {loopwise: 'serve'} (import the app, listen), {loopwise: 'list-required'}.
// Standby → supervisor: {loopwise: 'standby-ready'}, {loopwise: 'loaded', files} (each module it
// loads, outside node_modules), then serveApp's {loopwise: 'listening'}.
import { createRequire } from 'node:module';
import { recordImports } from './import-graph.js';
import type { ServeOptions } from './serve-options.js';

/** What the supervisor sends the standby. */
export interface StandbyCommand {
  loopwise: 'serve' | 'list-required';
}

/** What the standby reports about itself (serveApp's ListeningReport besides). */
export type StandbyReport = { loopwise: 'standby-ready' } | { loopwise: 'loaded'; files: string[] };

const options = JSON.parse(process.argv[2] ?? '') as ServeOptions;
const report = (message: StandbyReport): void => {
  if (process.connected) process.send!(message);
};

// Until told to serve, any signal or the supervisor going away simply ends the standby.
const quit = (): never => process.exit(0);
process.on('SIGTERM', quit);
process.on('SIGINT', quit);
process.on('disconnect', quit);

// First, before loopwise loads: which files the app loads, batched per turn of the event loop.
let batch: string[] = [];
const sendBatch = (): void => {
  report({ loopwise: 'loaded', files: batch });
  batch = [];
};
recordImports((file) => {
  if (batch.length === 0) setImmediate(sendBatch);
  batch.push(file);
});

let serveAsked = false;
let warm = false;
process.on('message', (message: StandbyCommand) => {
  if (message?.loopwise === 'serve') {
    serveAsked = true;
    if (warm) void serve();
  } else if (message?.loopwise === 'list-required') {
    // CommonJS files required from CommonJS pass no ESM loader hook on Node 20; on Bun, which runs
    // no loader hooks, this cache is the whole graph (ES modules included).
    const required = Object.keys(createRequire(import.meta.url).cache).filter((file) => !/[/\\]node_modules[/\\]/.test(file));
    report({ loopwise: 'loaded', files: required });
  }
});

await warmUp();
warm = true;
report({ loopwise: 'standby-ready' });
if (serveAsked) void serve();

/** What every app needs: the TypeScript loader, loopwise itself, pino-pretty for the dev logs. */
async function warmUp(): Promise<void> {
  try {
    const { parseAppSpec } = await import('./load-app.js');
    await (await import('./load-typescript.js')).prepareTypeScript(parseAppSpec(options.spec).file);
    await import('../index.js');
    await import('./serve-app.js');
    const require = createRequire(import.meta.url);
    require.resolve('pino-pretty'); // throws when it is not installed: the App then logs JSON
    require('pino-pretty');
  } catch {
    // Whatever failed here fails again when the app loads, and is shown then.
  }
}

async function serve(): Promise<void> {
  // serveApp installs its own handlers: from here on a signal means a graceful close.
  process.off('SIGTERM', quit);
  process.off('SIGINT', quit);
  process.off('disconnect', quit);
  const { serveApp } = await import('./serve-app.js');
  await serveApp(options, { supervised: true, banner: true });
}
