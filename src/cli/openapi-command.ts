import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadApp } from './load-app.js';
import { loadOnRuntime } from './run-under.js';

export const OPENAPI_HELP = `Usage: loopwise openapi <app module> [options]

Writes the app's OpenAPI 3.1 document (the one /openapi.json serves), without serving the app,
e.g. for a client generator or a linter.

  --out FILE      write it to FILE instead of printing it
  --compact       one line instead of indented JSON
  --runtime bun|node
                  load the app on this runtime (default: the one running this command), e.g.
                  for an app that imports Bun's own modules (bun:sqlite)
  --help          this text`;

/** `loopwise openapi …`: returns the process exit code. */
export async function openapiCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      compact: { type: 'boolean', default: false },
      runtime: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || positionals.length !== 1) {
    (values.help ? console.log : console.error)(OPENAPI_HELP);
    return values.help ? 0 : 2;
  }
  const elsewhere = loadOnRuntime(values.runtime, 'openapi', OPENAPI_HELP);
  if (elsewhere !== null) return elsewhere;
  const app = await loadApp(positionals[0]!);
  const text = `${JSON.stringify(app.openapi(), null, values.compact ? undefined : 2)}\n`;
  // A module that starts its own server at import would keep this process alive.
  if (app.listening) await app.close();
  if (values.out === undefined) process.stdout.write(text);
  else writeFileSync(values.out, text);
  return 0;
}
