#!/usr/bin/env node
// The `loopwise` command: serve an app (`run`, `dev`), load it (`bench`), describe it (`openapi`).
type Command = (argv: string[]) => Promise<number>;

// Each command loads only what it uses: a `run` worker does not load the bench's load generator.
const commands: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run-command.js')).runCommand,
  dev: async () => (await import('./dev-command.js')).devCommand,
  bench: async () => (await import('./bench-command.js')).benchCommand,
  openapi: async () => (await import('./openapi-command.js')).openapiCommand,
};

const [command, ...rest] = process.argv.slice(2);
const load = command === undefined || !Object.hasOwn(commands, command) ? undefined : commands[command];
if (load === undefined) {
  console.error(
    'Usage: loopwise <command> [options]\n\nCommands:\n' +
      '  run       serve an app (production: 0.0.0.0:8000, --workers N)\n' +
      '  dev       serve an app for development, restarting it when files change\n' +
      "  bench     load an app's routes and print the evidence\n" +
      "  openapi   write the app's OpenAPI document\n\n`loopwise <command> --help` tells more.",
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
