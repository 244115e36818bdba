#!/usr/bin/env node
// The `loopwise` command. For now: `loopwise bench`; `run` comes with the CLI issue.
import { benchCommand, BENCH_HELP } from './bench-command.js';

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (argv: string[]) => Promise<number>> = { bench: benchCommand };

const run = command === undefined ? undefined : commands[command];
if (run === undefined) {
  console.error(`Usage: loopwise <command>\n\nCommands:\n  bench   load an app's routes and print the evidence\n\n${BENCH_HELP}`);
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
