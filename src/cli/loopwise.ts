#!/usr/bin/env node
// The `loopwise` command: serve an app (`run`, `dev`), describe it (`routes`, `openapi`), load it
// (`bench`), or start a new project (`new`).
import module from 'node:module';

// First thing, before loopwise or the app loads: on Node 22.1+ V8's compiled code for every module
// is kept on disk (in the OS temp folder, keyed by each file's contents, so an edit is never served
// stale) and the next start skips compiling them. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// Started by another loopwise command's `--runtime` (src/cli/run-under.ts): stop with it.
if (process.env.LOOPWISE_STARTED_AS !== undefined) (await import('./run-under.js')).followStartingProcess();

type Command = (argv: string[]) => Promise<number>;

// Each command loads only what it uses: a `run` worker does not load the bench's load generator.
const commands: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run-command.js')).runCommand,
  dev: async () => (await import('./dev-command.js')).devCommand,
  routes: async () => (await import('./routes-command.js')).routesCommand,
  openapi: async () => (await import('./openapi-command.js')).openapiCommand,
  bench: async () => (await import('./bench-command.js')).benchCommand,
  new: async () => (await import('./new-command.js')).newCommand,
  worker: async () => (await import('./worker-command.js')).workerCommand,
};

const [command, ...rest] = process.argv.slice(2);
const load = command === undefined || !Object.hasOwn(commands, command) ? undefined : commands[command];
if (load === undefined) {
  console.error(
    [
      'Usage: loopwise <command> [options]',
      '',
      'Commands:',
      '  run       serve an app (production: 0.0.0.0:8000, --workers N, --runtime bun|node)',
      '  dev       serve an app for development, restarting it when files change',
      "  routes    print the app's route table",
      "  openapi   write the app's OpenAPI document",
      "  bench     load an app's routes and print the evidence",
      "  worker    run the jobs of the app's queues (offload: { queue }) on this machine",
      '  new       create a new project: an app, its test, package.json, tsconfig.json',
      '',
      '`loopwise <command> --help` tells more.',
    ].join('\n'),
  );
  process.exitCode = command === undefined || command === '--help' ? 0 : 2;
} else {
  load()
    .then((run) => run(rest))
    .then(
      (code) => (process.exitCode = code),
      (error: unknown) => {
        console.error(`loopwise ${command}: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
      },
    );
}
