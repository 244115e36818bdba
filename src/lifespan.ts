import type { Logger } from 'pino';
import { LoopwiseError } from './errors.js';
import type { AppState } from './deps/dependency.js';

/** A startup or shutdown hook; it gets the app, whose `state` it may fill. */
export type LifecycleHook = (app: { state: AppState }) => unknown;

/**
 * FastAPI's `lifespan`: set up, `yield` what goes in `app.state` (or nothing), and tear down
 * after the yield once the app has closed.
 */
export type LifespanFunction = (app: { state: AppState }) => AsyncGenerator<Partial<AppState> | void, unknown, unknown> | Generator<Partial<AppState> | void, unknown, unknown>;

type Running = AsyncGenerator<unknown, unknown, unknown> | Generator<unknown, unknown, unknown>;

/**
 * An app's setup and teardown, in this order: the lifespan up to its yield, then the startup
 * hooks; on close, the shutdown hooks, then the lifespan after its yield.
 */
export class Lifespan {
  private readonly startupHooks: LifecycleHook[] = [];
  private readonly shutdownHooks: LifecycleHook[] = [];
  private starting: Promise<void> | null = null;
  private running: Running | null = null;

  constructor(
    private readonly app: { state: AppState },
    private readonly lifespan: LifespanFunction | undefined,
    private readonly log: Logger,
  ) {
    if (lifespan !== undefined && typeof lifespan !== 'function') {
      throw new LoopwiseError('LW_ERR_INVALID_OPTION', 'lifespan must be a generator function: async function* (app) { …setup; yield state; …teardown }.');
    }
  }

  onStartup(hook: LifecycleHook): void {
    this.startupHooks.push(checked(hook, 'onStartup'));
  }

  onShutdown(hook: LifecycleHook): void {
    this.shutdownHooks.push(checked(hook, 'onShutdown'));
  }

  /** Runs setup once; every caller waits for the same run. A failure is thrown as LW_ERR_STARTUP. */
  start(): Promise<void> {
    return (this.starting ??= this.setUp().catch((error: unknown) => {
      this.starting = null; // a later listen() may try again
      throw error;
    }));
  }

  /** Tears down what start() set up; errors are logged, so every hook gets its turn. */
  async stop(): Promise<void> {
    if (this.starting === null) return;
    await this.starting.catch(() => undefined);
    this.starting = null;
    for (const hook of this.shutdownHooks) {
      try {
        await hook(this.app);
      } catch (error) {
        this.log.error({ err: error }, `shutdown hook ${hook.name || '(anonymous)'} failed: ${message(error)}`);
      }
    }
    const running = this.running;
    this.running = null;
    if (running === null) return;
    try {
      await running.next();
    } catch (error) {
      this.log.error({ err: error }, `the lifespan's teardown (after its yield) failed: ${message(error)}`);
    }
  }

  private async setUp(): Promise<void> {
    let step = 'the lifespan';
    try {
      if (this.lifespan !== undefined) {
        const running = this.lifespan(this.app);
        if (typeof (running as Running | undefined)?.next !== 'function') {
          throw new TypeError('lifespan must be a generator function (async function* or function*) that yields once');
        }
        const first = await running.next();
        if (first.done === true) throw new TypeError('the lifespan returned without yielding: yield once, between setup and teardown');
        this.running = running;
        if (typeof first.value === 'object' && first.value !== null) Object.assign(this.app.state, first.value);
      }
      for (const hook of this.startupHooks) {
        step = `startup hook ${hook.name || '(anonymous)'}`;
        await hook(this.app);
      }
    } catch (error) {
      // What was set up before the failure is torn down: the lifespan's `finally` blocks run.
      const running = this.running;
      this.running = null;
      await running?.return(undefined);
      throw new LoopwiseError('LW_ERR_STARTUP', `startup failed in ${step}: ${message(error)}. The app did not start.`, { cause: error });
    }
  }
}

function checked(hook: LifecycleHook, what: string): LifecycleHook {
  if (typeof hook !== 'function') throw new LoopwiseError('LW_ERR_INVALID_OPTION', `${what}() needs a function.`);
  return hook;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
