// task(import.meta.url, fn): a module-level function run on a worker thread, typed and awaitable.
// Arguments and results are copied between threads; errors come back as errors (an HTTPException
// with its status); a result that cannot be copied fails with LW_ERR_OFFLOAD_RESULT naming the task.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { threadId } from 'node:worker_threads';
import { HTTPException, LoopwiseError, type Task } from '../../src/index.js';
import { add, echo, fails, inspect, returnsFunction, returnsMethod, slowAdd, teapot, whereAmI, type Rich } from './fixtures/tasks.js';
import { app } from './fixtures/task-app.js';
import { withTimeout } from '../support/with-timeout.js';

const TIMEOUT = 10_000;

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<A, B>(_proof: Equal<A, B>): void {}

after(async () => {
  await withTimeout(app.close(), TIMEOUT, 'close()');
});

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return withTimeout(promise, TIMEOUT, what);
}

describe('a task, called with no App serving (the default task pool)', () => {
  test('is awaitable, returns the value, and runs on a worker thread', async () => {
    assert.equal(threadId, 0);
    assert.equal(await within(add(2, 3), 'add'), 5);
    assert.equal(await within(slowAdd(40, 2), 'slowAdd'), 42);
    const where = await within(whereAmI(), 'whereAmI');
    assert.equal(where.isMainThread, false);
    assert.notEqual(where.threadId, 0);
  });

  test('arguments and the result cross threads: Date, Map, Set, typed arrays, BigInt, nested objects', async () => {
    const value: Rich = {
      when: new Date(Date.UTC(2024, 4, 1)),
      counts: new Map([
        ['a', 1],
        ['b', 2],
      ]),
      tags: new Set(['x']),
      bytes: Uint8Array.from([1, 2, 3]),
      nested: { list: [1, 2], big: 2n ** 70n, nothing: null },
    };
    const got = await within(inspect(value, 'rich'), 'inspect');
    assert.equal(got.label, 'rich');
    assert.notEqual(got.threadId, 0);
    assert.deepEqual(got.kinds, { when: true, counts: true, tags: true, bytes: true, big: 'bigint' });
    assert.equal(got.year, 2024);
    assert.equal(got.total, 3);
    assert.ok(got.doubled instanceof Uint8Array);
    assert.deepEqual([...got.doubled], [2, 4, 6]);
    assert.equal(got.big, 2n ** 71n);
    assert.deepEqual(got.nested, value.nested);
    assert.notEqual(got.nested, value.nested, 'a copy, not the same object');
  });

  test('an error thrown in a task comes back: an HTTPException keeps its status, detail and headers', async () => {
    await assert.rejects(within(teapot('kettle'), 'teapot'), (error: unknown) => {
      assert.ok(error instanceof HTTPException, String(error));
      assert.equal(error.statusCode, 418);
      assert.equal(error.detail, "I'm a teapot, not a kettle");
      assert.deepEqual(error.headers, { 'x-teapot': 'short and stout' });
      return true;
    });
    await assert.rejects(within(fails('negative'), 'fails'), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.equal(error.name, 'TypeError');
      assert.equal(error.message, 'bad input: negative');
      assert.match(error.stack ?? '', /tasks\.ts/, 'the stack points at the task');
      return true;
    });
  });

  test('a result that cannot be copied (a function, an object with a method) rejects with LW_ERR_OFFLOAD_RESULT naming the task', async () => {
    for (const [call, name] of [
      [returnsFunction, 'returnsFunction'],
      [returnsMethod, 'returnsMethod'],
    ] as const) {
      await assert.rejects(within((call as () => Promise<unknown>)(), name), (error: unknown) => {
        assert.ok(error instanceof LoopwiseError, String(error));
        assert.equal(error.code, 'LW_ERR_OFFLOAD_RESULT');
        assert.match(error.message, new RegExp(`^LW_ERR_OFFLOAD_RESULT: task ${name} \\(.*tasks\\.ts\\) returned a value that cannot be copied`));
        return true;
      });
    }
    assert.equal(await within(add(1, 1), 'add after'), 2, 'the pool still serves');
  });

  test('an argument that cannot be copied rejects with a clear error naming the task, and the pool still serves', async () => {
    for (const value of [() => 1, { method() {} }, Symbol('s'), new WeakMap()]) {
      await assert.rejects(within(echo(value), 'echo'), (error: unknown) => {
        assert.ok(error instanceof LoopwiseError, String(error));
        assert.match(error.message, /task echo \(.*tasks\.ts\)/);
        assert.match(error.message, /could not be (cloned|copied)/);
        return true;
      });
    }
    assert.equal(await within(add(5, 5), 'add after'), 10);
  });
});

describe("a task while an App with offloaded routes serves (the App's pool, threads: 1)", () => {
  test('many calls at once queue for the one thread and all resolve with their own results', async () => {
    await within(app.inject('/offloaded/where'), 'start the app');
    const sums = await within(Promise.all(Array.from({ length: 20 }, (_, i) => add(i, i))), '20 calls');
    assert.deepEqual(
      sums,
      Array.from({ length: 20 }, (_, i) => 2 * i),
    );
  });

  test('an argument that cannot be copied, sent while other calls wait for the thread, fails alone', async () => {
    const busy = Array.from({ length: 8 }, (_, i) => slowAdd(i, 1));
    await assert.rejects(within(echo(() => 2), 'echo while busy'), (error: unknown) => error instanceof LoopwiseError && /task echo/.test(error.message));
    assert.deepEqual(await within(Promise.all(busy), 'busy calls'), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(await within(add(5, 5), 'add after'), 10);
  });
});

describe('tasks in handlers', () => {
  test('a task throwing HTTPException(418) in an inline handler answers 418', async () => {
    const res = await within(app.inject('/inline/teapot'), 'GET /inline/teapot');
    assert.equal(res.statusCode, 418);
    assert.equal(res.headers['x-teapot'], 'short and stout');
    assert.deepEqual(res.json(), { detail: "I'm a teapot, not a coffee pot" });
  });

  test("an inline handler's task runs on a worker (the serving App's pool)", async () => {
    const res = await within(app.inject('/inline/sum'), 'GET /inline/sum');
    assert.equal(res.statusCode, 200);
    const got = res.json();
    assert.equal(got.handler, 0);
    assert.equal(got.sum, 5);
    assert.notEqual(got.task, 0);
  });

  test('a task called by an offloaded handler runs directly in that worker', async () => {
    const res = await within(app.inject('/offloaded/where'), 'GET /offloaded/where');
    assert.equal(res.statusCode, 200, res.body);
    const got = res.json();
    assert.notEqual(got.handler, 0);
    assert.equal(got.task, got.handler);
    assert.equal(got.sum, 42);

    const teapotRes = await within(app.inject('/offloaded/teapot'), 'GET /offloaded/teapot');
    assert.equal(teapotRes.statusCode, 418);
    assert.equal(teapotRes.headers['x-teapot'], 'short and stout');
    assert.deepEqual(teapotRes.json(), { detail: "I'm a teapot, not a kettle" });
  });
});

test('types: a task keeps its parameters, and `await task(...)(args)` has the function’s (awaited) return type', () => {
  expectType<Parameters<typeof add>, [a: number, b: number]>(true);
  expectType<Awaited<ReturnType<typeof add>>, number>(true);
  expectType<ReturnType<typeof add>, Promise<number>>(true);
  expectType<ReturnType<typeof slowAdd>, Promise<number>>(true); // an async fn is not a Promise<Promise<…>>
  expectType<Awaited<ReturnType<typeof whereAmI>>, { threadId: number; isMainThread: boolean }>(true);
  expectType<typeof teapot, Task<[vessel: string], never>>(true);
  // (TypeScript infers the inner return literally; the point is that the type is the function's own.)
  expectType<Awaited<ReturnType<typeof returnsFunction>>, () => 42>(true);

  async function typed(): Promise<void> {
    const sum = await add(1, 2);
    expectType<typeof sum, number>(true);
    const got = await inspect({} as Rich, 'x');
    expectType<typeof got.big, bigint>(true);
    expectType<typeof got.total, number>(true);
    expectType<typeof got.kinds.big, 'bigint' | 'string' | 'number' | 'boolean' | 'symbol' | 'undefined' | 'object' | 'function'>(true);
    // @ts-expect-error: the arguments are checked against the function's parameters
    await add('1', 2);
    // @ts-expect-error: and their number
    await add(1);
  }
  assert.equal(typeof typed, 'function');
});
