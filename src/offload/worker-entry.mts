// The file piscina starts in each worker thread. It stays plain (no top-level await, no imports
// of loopwise): piscina may load it with require(), and loopwise itself must be loaded once, by
// import(), so the worker and the app module share one copy of it.
import { workerData } from 'node:worker_threads';

type Handle = (call: unknown) => Promise<unknown>;
let handle: Promise<Handle> | null = null;

async function load(): Promise<Handle> {
  // On Node < 22 a worker does not inherit tsx's hooks from the main thread: register them here,
  // before anything imports a .ts file.
  if ((workerData as { registerTsx?: boolean }).registerTsx) {
    const tsx = 'tsx/esm/api';
    const { register } = (await import(tsx)) as { register: () => unknown };
    register();
  }
  return (await import('./worker.js')).handleCall as Handle;
}

// Start loading the app module as soon as the thread starts, not on its first call: a thread
// that piscina adds under load is then ready sooner. A failure surfaces on that first call.
handle = load();
handle.catch(() => {});

export default async function run(call: unknown): Promise<unknown> {
  return (await (handle ??= load()))(call);
}
