// The file each offload worker thread starts from (src/offload/thread-pool.ts). It imports no
// loopwise module statically: loopwise is loaded once, by import(), so this thread and the app
// module share one copy of it.
import module from 'node:module';
import { parentPort } from 'node:worker_threads';

// Node 22.1+: each worker thread loads loopwise and the app module again; V8's compiled code kept
// on disk (see src/cli/loopwise.ts) spares it compiling them each time.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

type Worker = typeof import('./worker.js');

async function load(): Promise<Worker> {
  // tsx, where the app's TypeScript needs it, was registered before this file (src/offload/thread-pool.ts).
  const worker = await import('./worker.js');
  // The app module is imported before the thread says it is ready, so no request waits on (or
  // times out in) a cold thread. If the import failed, every call is answered with that failure.
  await worker.loaded;
  return worker;
}

const worker = await load();
const port = parentPort!;

function reply(message: { id: number; result: unknown } | { id: number; failure: unknown }): void {
  try {
    port.postMessage(message);
  } catch (error) {
    // A result that cannot be copied to the main thread (a function, a socket): the call fails with that.
    port.postMessage({ id: message.id, failure: worker.toSerializedError(error) });
  }
}

port.on('message', ({ id, call }: { id: number; call: Parameters<Worker['handleCall']>[0] }) => {
  worker.handleCall(call).then(
    (result) => reply({ id, result }),
    (error: unknown) => reply({ id, failure: worker.toSerializedError(error) }),
  );
});
port.postMessage({ ready: true });
