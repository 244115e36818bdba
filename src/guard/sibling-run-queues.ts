import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** How often the process's thread list is read again (ms): threads come and go rarely (a GC helper, a worker). */
const RELIST_MS = 1_000;

/**
 * The run-queue totals (ns waited for a core) of the process's other threads, from Linux's
 * /proc/self/task/<tid>/schedstat. Each file is kept open and read with one pread, and the thread
 * list is read at most once a second: reading siblings on every heartbeat of a starving host
 * cost half a millisecond a beat when each file was opened and read whole.
 */
export class SiblingRunQueues {
  private readonly files = new Map<number, number>();
  private listedAt = -Infinity;
  private readonly buffer = Buffer.alloc(128);

  /** The totals by thread id, or null where /proc/self/task cannot be read. */
  read(): Map<number, number> | null {
    const now = performance.now();
    if (now - this.listedAt >= RELIST_MS && !this.relist()) return null;
    const queues = new Map<number, number>();
    for (const [tid, fd] of this.files) {
      const runQueue = this.readOne(fd);
      if (runQueue === null) this.forget(tid, fd); // the thread ended: its file reads nothing now
      else queues.set(tid, runQueue);
    }
    return queues;
  }

  close(): void {
    for (const [tid, fd] of this.files) this.forget(tid, fd);
    this.listedAt = -Infinity;
  }

  /** Opens the files of threads not seen before and closes those of threads gone; false if the list cannot be read. */
  private relist(): boolean {
    let entries: string[];
    try {
      entries = readdirSync('/proc/self/task');
    } catch {
      return false;
    }
    this.listedAt = performance.now();
    const present = new Set<number>();
    for (const entry of entries) {
      const tid = Number(entry);
      if (tid === process.pid) continue;
      present.add(tid);
      if (this.files.has(tid)) continue;
      try {
        this.files.set(tid, openSync(`/proc/self/task/${entry}/schedstat`, 'r'));
      } catch {
        // The thread ended between the listing and the open.
      }
    }
    for (const [tid, fd] of this.files) if (!present.has(tid)) this.forget(tid, fd);
    return true;
  }

  private readOne(fd: number): number | null {
    try {
      const length = readSync(fd, this.buffer, 0, this.buffer.length, 0);
      // "<ns on a core> <ns waiting for one> <time slices>"
      const runQueue = Number(this.buffer.toString('latin1', 0, length).split(' ', 2)[1]);
      return Number.isFinite(runQueue) ? runQueue : null;
    } catch {
      return null;
    }
  }

  private forget(tid: number, fd: number): void {
    this.files.delete(tid);
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
}
