// The file piscina starts in each worker thread. It stays plain (no top-level await, no imports
// of loopwise): piscina may load it with require(), and loopwise itself must be loaded once, by
// import(), so the worker and the app module share one copy of it.
import module from 'node:module';
import { workerData } from 'node:worker_threads';

// Node 22.1+: each worker thread loads loopwise and the app module again; V8's compiled code kept
// on disk (see src/cli/loopwise.ts) spares it compiling them each time.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

type Handle = (call: unknown) => Promise<unknown>;

async function load(): Promise<Handle> {
  // On Node < 22 a worker does not inherit tsx's hooks from the main thread: register them here,
  // before anything imports a .ts file.
  if ((workerData as { registerTsx?: boolean }).registerTsx) {
    // A variable, so neither tsc nor the bundler looks for it: tsx is an optional peer dependency,
    // there only when the app's TypeScript runs through it (which is when registerTsx is set).
    const tsx = 'tsx/esm/api';
    const { register } = (await import(tsx)) as { register: () => unknown };
    register();
  }
  const worker = await import('./worker.js');
  // The app module is imported before the thread counts as started: piscina awaits this export
  // before it reports the thread ready, so no request waits on (or times out in) a cold thread.
  // If the import failed, the handler answers every call with that failure.
  await worker.loaded;
  return worker.handleCall as Handle;
}

export default load();
