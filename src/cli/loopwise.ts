#!/usr/bin/env node
// The `loopwise` command: `bench`, `openapi`, `routes` and `new` for now; `run` and `dev` are still to come.
import { benchCommand } from './bench-command.js';
import { newCommand } from './new-command.js';
import { openapiCommand } from './openapi-command.js';
import { routesCommand } from './routes-command.js';

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (argv: string[]) => Promise<number>> = {
  bench: benchCommand,
  openapi: openapiCommand,
  routes: routesCommand,
  new: newCommand,
};

const run = command === undefined ? undefined : commands[command];
if (run === undefined) {
  console.error(
    [
      'Usage: loopwise <command> [options]',
      '',
      'Commands:',
      '  new       create a new project: an app, its test, package.json, tsconfig.json',
      '  routes    print the app\'s route table',
      '  bench     load an app\'s routes and print the evidence',
      '  openapi   write the app\'s OpenAPI document',
      '',
      '`loopwise <command> --help` tells more.',
    ].join('\n'),
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
