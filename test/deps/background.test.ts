// Background tasks (FastAPI's BackgroundTasks): run after the response is sent (over a real
// socket, the client has its response while the task is still pending), one after another in the
// order added, with their arguments; a failing task is logged and the next still runs; dependencies
// can add tasks; app.close() waits for the ones still running (up to closeTimeout).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, dependency } from '../../src/index.js';
import { socketGet } from '../support/socket-get.js';
import { withTimeout } from '../support/with-timeout.js';
import { captureLog, deferred, listenOnFreePort, waitUntil } from './fixtures/helpers.js';

const WAIT = 3_000;

describe('after the response', () => {
  test('the client has its response while the task is still pending', async () => {
    const events: string[] = [];
    const release = deferred();
    const app = new App({ logger: false });
    app.get('/signup', ({ background }) => {
      background.add(async (email: string) => {
        events.push(`sending to ${email}`);
        await release.promise;
        events.push('sent');
      }, 'ada@example.com');
      events.push('handler returned');
      return { created: true };
    });
    const port = await listenOnFreePort(app);
    try {
      const res = await socketGet(port, '/signup');
      assert.equal(res.status, 200);
      assert.deepEqual(JSON.parse(res.body), { created: true });
      await waitUntil(() => events.length >= 2, WAIT, 'the task to start');
      assert.deepEqual(events, ['handler returned', 'sending to ada@example.com'], 'the response arrived before the task finished');
      release.resolve();
      await waitUntil(() => events.includes('sent'), WAIT, 'the task to finish');
    } finally {
      release.resolve();
      await app.close();
    }
  });

  test("a task reads the client's `ip` as the handler would, though the connection closed after the answer", async () => {
    const seen: string[] = [];
    const app = new App({ logger: false });
    app.get('/whoami', (context) => {
      context.background.add(() => void seen.push(context.ip));
      return 'ok';
    });
    const port = await listenOnFreePort(app);
    try {
      assert.equal((await socketGet(port, '/whoami')).status, 200);
      await waitUntil(() => seen.length === 1, WAIT, 'the task to run');
      assert.deepEqual(seen, ['127.0.0.1']);
    } finally {
      await app.close();
    }
  });

  test('tasks run one after another, in the order added, with their arguments', async () => {
    const events: string[] = [];
    const app = new App({ logger: false });
    app.get('/tasks', ({ background }) => {
      background.add(async (name: string, ms: number) => {
        events.push(`${name} start`);
        await sleep(ms);
        events.push(`${name} end`);
      }, 'first', 40);
      background.add((name: string) => void events.push(`${name} (sync)`), 'second');
      background.add(async () => {
        events.push('third start');
        await sleep(5);
        events.push('third end');
      });
      return 'ok';
    });
    assert.equal((await app.inject('/tasks')).json(), 'ok');
    await app.close();
    assert.deepEqual(events, ['first start', 'first end', 'second (sync)', 'third start', 'third end']);
  });

  test('a failing task is logged with its route and name, and the next task still runs', async () => {
    const { logger, lines } = captureLog();
    const events: string[] = [];
    const app = new App({ logger });
    app.get('/flaky', ({ background }) => {
      background.add(async function sendEmail() {
        throw new Error('SMTP down');
      });
      background.add(() => {
        throw new TypeError('anonymous failure');
      });
      background.add(function audit() {
        events.push('audit ran');
      });
      return 'ok';
    });
    const res = await app.inject('/flaky');
    assert.equal(res.statusCode, 200, 'a task failure never reaches the client');
    await app.close();
    assert.deepEqual(events, ['audit ran']);
    const failures = lines.filter((line) => line.task !== undefined);
    assert.deepEqual(
      failures.map((line) => ({ level: line.level, route: line.route, task: line.task, err: line.err.message, msg: line.msg })),
      [
        { level: 50, route: 'GET /flaky', task: 'sendEmail', err: 'SMTP down', msg: 'background task sendEmail of GET /flaky failed: SMTP down' },
        { level: 50, route: 'GET /flaky', task: '#2', err: 'anonymous failure', msg: 'background task #2 of GET /flaky failed: anonymous failure' },
      ],
    );
  });

  test('dependencies add tasks too (DependencyContext.background); they share the queue with the handler’s, in order', async () => {
    const events: string[] = [];
    const audit = dependency(({ background, request }) => {
      background.add((url: string) => void events.push(`audit ${url}`), request.url!);
      return 'audited';
    });
    const app = new App({ logger: false });
    app.get('/with-audit', { deps: { audit } }, ({ background, deps }) => {
      background.add(() => void events.push('handler task'));
      return deps.audit;
    });
    assert.equal((await app.inject('/with-audit')).json(), 'audited');
    await app.close();
    assert.deepEqual(events, ['audit /with-audit', 'handler task']);
  });

  test('tasks added by a request whose handler failed do not run (FastAPI: the error response has no tasks)', async () => {
    const events: string[] = [];
    const app = new App({ logger: false });
    app.post('/users', ({ background }) => {
      background.add(() => void events.push('welcome email sent'));
      throw new Error('insert failed');
    });
    const res = await app.inject({ method: 'POST', url: '/users' });
    assert.equal(res.statusCode, 500);
    await app.close();
    assert.deepEqual(events, [], 'a welcome email for a user that was never created');
  });
});

describe('app.close()', () => {
  test('resolves only after the pending task has finished', async () => {
    const events: string[] = [];
    const app = new App({ logger: false });
    app.get('/slow-task', ({ background }) => {
      background.add(async () => {
        await sleep(200);
        events.push('task finished');
      });
      return 'ok';
    });
    const port = await listenOnFreePort(app);
    const res = await socketGet(port, '/slow-task');
    assert.equal(res.status, 200);
    assert.equal(events.length, 0, 'the task is still running');
    const started = Date.now();
    await withTimeout(app.close().then(() => events.push('closed')), WAIT, 'close()');
    assert.deepEqual(events, ['task finished', 'closed']);
    assert.ok(Date.now() - started >= 150, `close() took ${Date.now() - started} ms for a task with ~200 ms left`);
  });

  test('gives up on a task still running after closeTimeout, with a warning', async () => {
    const { logger, lines } = captureLog('warn');
    const never = deferred();
    const app = new App({ logger, closeTimeout: 150 });
    app.get('/stuck', ({ background }) => {
      background.add(() => never.promise);
      return 'ok';
    });
    try {
      assert.equal((await app.inject('/stuck')).statusCode, 200);
      const started = Date.now();
      await withTimeout(app.close(), WAIT, 'close()');
      const ms = Date.now() - started;
      assert.ok(ms >= 140 && ms < 1_000, `close() took ${ms} ms with a closeTimeout of 150`);
      const warning = lines.find((line) => line.level === 40 && String(line.msg).startsWith('background tasks still running'));
      assert.ok(warning !== undefined, JSON.stringify(lines));
      assert.equal(warning.msg, 'background tasks still running after 150 ms; closing without them');
      assert.equal(warning.pending, 1);
    } finally {
      never.resolve();
    }
  });

  test('background.add() needs a function', async () => {
    const app = new App({ logger: false });
    app.get('/bad', ({ background }) => {
      background.add('not a function' as never);
      return 'never';
    });
    const res = await app.inject('/bad');
    assert.equal(res.statusCode, 500);
  });
});
