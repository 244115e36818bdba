// The flags and variables of `loopwise run` and `loopwise dev`: defaults as fastapi run/dev, flags
// over LOOPWISE_* over the platforms' names (PORT, WEB_CONCURRENCY), bad values refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServeOptions, UsageError } from '../../src/cli/serve-options.js';

test('defaults: run on 0.0.0.0:8000 with one worker and access logs; dev on 127.0.0.1', () => {
  assert.deepEqual(parseServeOptions('run', ['app.ts'], {}), { spec: 'app.ts', host: '0.0.0.0', port: 8000, workers: 1, logLevel: undefined, accessLog: true, runtime: undefined, watch: [], ignore: [] });
  assert.deepEqual(parseServeOptions('dev', ['app.ts:api', '--watch', 'lib', '--watch', 'shared', '--ignore', 'src/gen/**', '--ignore', 'tmp'], {}), {
    spec: 'app.ts:api',
    host: '127.0.0.1',
    port: 8000,
    workers: 1,
    logLevel: undefined,
    accessLog: true,
    runtime: undefined,
    watch: ['lib', 'shared'],
    ignore: ['src/gen/**', 'tmp'],
  });
  assert.equal(parseServeOptions('run', ['--help'], {}), null);
});

test('flags win over LOOPWISE_* variables, which win over PORT and WEB_CONCURRENCY', () => {
  const env = { LOOPWISE_HOST: '::1', LOOPWISE_PORT: '9000', PORT: '7000', LOOPWISE_WORKERS: '3', WEB_CONCURRENCY: '5', LOG_LEVEL: 'debug' };
  assert.deepEqual(parseServeOptions('run', ['app.ts'], env), { spec: 'app.ts', host: '::1', port: 9000, workers: 3, logLevel: 'debug', accessLog: true, runtime: undefined, watch: [], ignore: [] });
  assert.deepEqual(parseServeOptions('run', ['app.ts'], { PORT: '7000', WEB_CONCURRENCY: '5' }), { spec: 'app.ts', host: '0.0.0.0', port: 7000, workers: 5, logLevel: undefined, accessLog: true, runtime: undefined, watch: [], ignore: [] });
  assert.deepEqual(parseServeOptions('run', ['app.ts', '--host', '127.0.0.1', '--port', '0', '--workers', '2', '--log-level', 'warn', '--no-access-log'], env), {
    spec: 'app.ts',
    host: '127.0.0.1',
    port: 0,
    workers: 2,
    logLevel: 'warn',
    accessLog: false,
    runtime: undefined,
    watch: [],
    ignore: [],
  });
  // --runtime has no variable: which runtime serves is the command line's choice alone.
  assert.equal(parseServeOptions('run', ['app.ts', '--runtime', 'bun'], env)!.runtime, 'bun');
  assert.equal(parseServeOptions('dev', ['app.ts', '--runtime=node'], env)!.runtime, 'node');
  // dev is one process whatever the platform says.
  assert.equal(parseServeOptions('dev', ['app.ts'], env)!.workers, 1);
});

test('bad values and flags are refused with the flag or variable named', () => {
  const refused = (command: 'run' | 'dev', argv: string[], env: Record<string, string>, message: RegExp) =>
    assert.throws(() => parseServeOptions(command, argv, env), (error: unknown) => error instanceof UsageError && message.test(error.message));
  refused('run', ['app.ts', '--port', 'abc'], {}, /^--port takes a port from 0 to 65535, not "abc"$/);
  refused('run', ['app.ts', '--port', '65536'], {}, /^--port takes a port/);
  refused('run', ['app.ts', '--port', '-1'], {}, /--port/);
  refused('run', ['app.ts'], { PORT: '80.5' }, /^PORT takes a port from 0 to 65535, not "80.5"$/);
  refused('run', ['app.ts', '--workers', '0'], {}, /^--workers takes a number of processes, 1 or more, not "0"$/);
  refused('run', ['app.ts'], { WEB_CONCURRENCY: 'many' }, /^WEB_CONCURRENCY takes a number of processes/);
  refused('run', ['app.ts', '--log-level', 'loud'], {}, /^--log-level takes one of fatal, error, warn, info, debug, trace, silent, not "loud"$/);
  refused('run', ['app.ts'], { LOG_LEVEL: 'verbose' }, /^LOG_LEVEL takes one of/);
  refused('run', ['app.ts', '--host', ''], {}, /--host needs an address/);
  refused('run', ['app.ts', '--bogus'], {}, /Unknown option '--bogus'/);
  refused('run', ['app.ts', '--port'], {}, /--port/);
  refused('run', [], {}, /which app\?/);
  refused('run', ['a.ts', 'b.ts'], {}, /one app module, not a\.ts b\.ts/);
  refused('run', ['app.ts', '--watch', 'src'], {}, /--watch is for `loopwise dev`/);
  refused('run', ['app.ts', '--ignore', 'tmp'], {}, /--ignore is for `loopwise dev`/);
  refused('dev', ['app.ts', '--workers', '2'], {}, /--workers is for `loopwise run`/);
  refused('run', ['app.ts', '--runtime', 'deno'], {}, /^--runtime takes bun or node, not "deno"$/);
  refused('dev', ['app.ts', '--runtime', 'Bun'], {}, /^--runtime takes bun or node, not "Bun"$/);
});
