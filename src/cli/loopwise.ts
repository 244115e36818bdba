#!/usr/bin/env node
// The `loopwise` command: `bench` and `openapi` for now; `run` and `dev` are still to come.
import { benchCommand } from './bench-command.js';
import { openapiCommand } from './openapi-command.js';

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (argv: string[]) => Promise<number>> = { bench: benchCommand, openapi: openapiCommand };

const run = command === undefined ? undefined : commands[command];
if (run === undefined) {
  console.error(
    'Usage: loopwise <command> [options]\n\nCommands:\n  bench     load an app\'s routes and print the evidence\n  openapi   write the app\'s OpenAPI document\n\n`loopwise <command> --help` tells more.',
  );
  process.exitCode = command === undefined || command === '--help' ? 0 : 2;
} else {
  run(rest).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(`loopwise ${command}: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
