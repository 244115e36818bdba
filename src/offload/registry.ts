/**
 * Process-wide offload state, kept on globalThis under a registered symbol: a worker thread may
 * load loopwise twice (once through the pool's entry, once through the app's own import), and
 * both copies must see the same Apps, tasks and "am I a worker" flag.
 */
export interface OffloadRegistry {
  /** True in a loopwise worker thread: there, listen() serves nothing and nothing is offloaded again. */
  inWorker: boolean;
  /** How many Apps each module has created so far: the next one's ordinal. */
  appCounts: Map<string, number>;
  /** In a worker: the Apps each module created, in creation order (on the main thread, not kept). */
  apps: Map<string, unknown[]>;
  /** Functions wrapped by task(), per module, in the order the module wrapped them. */
  tasks: Map<string, Function[]>;
  /** The pool task() uses: the offload pool of the App that started last, else a default one. */
  taskPool: unknown;
}

const KEY = Symbol.for('loopwise.offload.registry');

export function offloadRegistry(): OffloadRegistry {
  const holder = globalThis as unknown as Record<symbol, OffloadRegistry | undefined>;
  return (holder[KEY] ??= { inWorker: false, appCounts: new Map(), apps: new Map(), tasks: new Map(), taskPool: null });
}

/** Records a new App under its module and returns its ordinal there (the worker finds it by it). */
export function registerApp(module: string, app: unknown): number {
  const registry = offloadRegistry();
  const ordinal = registry.appCounts.get(module) ?? 0;
  registry.appCounts.set(module, ordinal + 1);
  if (registry.inWorker) {
    const apps = registry.apps.get(module) ?? [];
    apps.push(app);
    registry.apps.set(module, apps);
  }
  return ordinal;
}

/** Records a task's function under its module and returns its index there. */
export function registerTask(module: string, fn: Function): number {
  const registry = offloadRegistry();
  const tasks = registry.tasks.get(module) ?? [];
  tasks.push(fn);
  registry.tasks.set(module, tasks);
  return tasks.length - 1;
}
