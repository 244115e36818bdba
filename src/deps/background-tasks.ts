import type { Logger } from 'pino';
import { messageOf } from '../errors.js';
import type { DurableTask } from '../queue/durable-task.js';

/**
 * Resolves on the next turn of the event loop: the response written this turn reaches the socket
 * (or, on a worker thread, the main thread) first, so even a synchronous task never delays it.
 */
export function afterResponse(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

type Task = { fn: (...args: never[]) => unknown; args: unknown[] };

/**
 * Work a handler (or dependency) registers to run after its response is sent (FastAPI's
 * `BackgroundTasks`): the client does not wait for it. Tasks run one after another, in order.
 */
export class BackgroundTasks {
  /** @internal */
  readonly tasks: Task[] = [];

  add<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
    if (typeof fn !== 'function') throw new TypeError('background.add() needs a function');
    this.tasks.push({ fn: fn as Task['fn'], args });
  }

  /**
   * A durable job (docs/scaling-out.md): stored in Redis now, run by a `loopwise worker`, retried
   * with backoff, kept across restarts. Resolves with the job's id once Redis stored it (so a 202
   * means persisted); rejects with a 503 HTTPException while Redis is unreachable.
   * `background.enqueue(sendWelcome.with({ jobId: `welcome-${id}` }), id)` makes it idempotent.
   */
  enqueue<A extends unknown[], R>(task: DurableTask<A, R>, ...args: A): Promise<string> {
    if (typeof task !== 'object' || task === null || typeof task.enqueue !== 'function') {
      return Promise.reject(new TypeError('background.enqueue() needs a durableTask(name, fn): a plain function cannot be found by name on another machine (use background.add for in-process work)'));
    }
    return task.enqueue(...args);
  }
}

/**
 * Runs requests' background tasks once their responses are out, logs every failure (a failed
 * task never goes unseen), and lets graceful shutdown wait for the ones still running.
 */
export class BackgroundRunner {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  get size(): number {
    return this.pending.size;
  }

  run(tasks: BackgroundTasks, route: string): void {
    this.track(afterResponse().then(() => this.runAll(tasks.tasks, route)));
  }

  /** Other after-the-response work shutdown must wait for (dependencies' cleanups); it must not reject. */
  track(work: Promise<void>): void {
    // Work that breaks that promise anyway is logged: a rejection no one handles would end the process.
    const done: Promise<void> = work
      .catch((error: unknown) => this.log.error({ err: error }, 'work after a response failed'))
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  /** Resolves when every task started so far has finished (or `timeout` ms passed); true if all did. */
  async drain(timeout: number): Promise<boolean> {
    if (this.pending.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(resolve, timeout, false)));
    const all = (async () => {
      while (this.pending.size > 0) await Promise.all(this.pending);
      return true;
    })();
    const finished = await Promise.race([all, timedOut]);
    clearTimeout(timer);
    return finished;
  }

  private async runAll(tasks: Task[], route: string): Promise<void> {
    for (const [index, task] of tasks.entries()) {
      try {
        await task.fn(...(task.args as never[]));
      } catch (error) {
        const name = task.fn.name || `#${index + 1}`;
        this.log.error({ err: error, route, task: name }, `background task ${name} of ${route} failed: ${messageOf(error)}`);
      }
    }
  }
}
