import type { Logger } from 'pino';
import { LoopwiseError } from '../errors.js';
import type { RouteDefinition } from '../route.js';
import type { DependencyOverrides } from '../deps/overrides.js';
import { routeName } from '../route-name.js';
import { isTestModule, moduleDisplayName } from './module-url.js';
import { OverrideSync } from './override-sync.js';
import { OffloadPool, workerSetup, type PoolSettings } from './pool.js';
import { offloadRegistry } from './registry.js';

/** Where worker threads find an App: its module's file URL (null when unknown) and which App of that module it is. */
export interface AppLocation {
  module: string | null;
  ordinal: number;
}

/**
 * An App's worker pool, for its offloaded routes and task()s: made the first time ready() finds
 * an offloaded route (never in a worker thread, where every route runs inline), its threads
 * started once the port is open, destroyed after the server, so in-flight offloaded requests finish first.
 */
export class AppPool {
  /** The pool, once an offloaded route asked for it. */
  current: OffloadPool | null = null;
  /** The routes that run on its threads, in registration order. */
  private offloaded: readonly RouteDefinition[] = [];

  constructor(
    private readonly settings: PoolSettings,
    private readonly location: AppLocation,
    private readonly log: Logger,
    /** A request found the queue full: the loop guard counts it as shed. */
    private readonly onFull: () => void,
    /** The App's overrides, which its offloaded routes' threads receive too. */
    private readonly overrides: DependencyOverrides,
  ) {}

  /** The pool these routes need, made once; null when none is offloaded or this is a worker thread. */
  forRoutes(definitions: readonly RouteDefinition[]): OffloadPool | null {
    if (this.current !== null || offloadRegistry().inWorker || !definitions.some((route) => route.options.offload === true)) return this.current;
    const { module, ordinal } = this.location;
    if (module === null) {
      throw new LoopwiseError(
        'LW_ERR_OFFLOAD_MODULE',
        'this App has offload: true routes, but loopwise cannot tell which module defines it (it was not created in a module file). Pass module: import.meta.url to new App().',
      );
    }
    // From here on an override the threads could not find is refused when set (and now, if set before: startup fails).
    this.offloaded = definitions.filter((route) => route.options.offload === true);
    const overrides = new OverrideSync(this.overrides, this.offloaded, module);
    const pool = (this.current = new OffloadPool(this.settings, workerSetup(module, ordinal), this.log));
    pool.onFull = this.onFull;
    pool.overrides = overrides;
    offloadRegistry().taskPool = pool;
    return pool;
  }

  /**
   * For `loopwise worker`: a pool whose threads run the routes this App offloads through a queue
   * (a worker thread compiles every offloaded route), and the overrides stay the worker's own.
   */
  forQueueWorker(): OffloadPool {
    const { module, ordinal } = this.location;
    if (module === null) {
      throw new LoopwiseError('LW_ERR_OFFLOAD_MODULE', 'loopwise worker cannot tell which module defines this App. Pass module: import.meta.url to new App().');
    }
    const pool = (this.current = new OffloadPool(this.settings, workerSetup(module, ordinal), this.log));
    pool.onFull = this.onFull;
    offloadRegistry().taskPool = pool;
    return pool;
  }

  /** Starts the threads (they load the app module); task()s run on this pool while the app serves. */
  async serve(): Promise<void> {
    if (this.current === null) return;
    this.assertImportable();
    offloadRegistry().taskPool = this.current;
    await this.current.warmUp();
  }

  /** The first threads, for inject() and the test client: as serve(), without taking task()s. */
  async warmUp(): Promise<void> {
    if (this.current === null) return;
    this.assertImportable();
    await this.current.warmUp();
  }

  /** Checked before any thread starts, so that the start-up errors of ready() come first. */
  private assertImportable(): void {
    const { module } = this.location;
    if (module === null || !isTestModule(module)) return;
    const first = this.offloaded[0]!;
    throw new LoopwiseError(
      'LW_ERR_OFFLOAD_MODULE',
      `${routeName(first.method, first.path)} is offloaded, and its App is declared in ${moduleDisplayName(module)}, a test file: worker threads import the App's module to find its routes, which would run the tests again inside each thread. Declare the App in a module of its own (e.g. app.ts, exporting it) and import it in the test (docs/testing.md).`,
    );
  }

  async close(): Promise<void> {
    const pool = this.current;
    if (pool === null) return;
    if (offloadRegistry().taskPool === pool) offloadRegistry().taskPool = null;
    await pool.destroy();
  }
}
