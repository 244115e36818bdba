import { closeSync, openSync, readSync } from 'node:fs';

/** What the calling thread has done so far, in nanoseconds: run on a core, and waited in the run queue for one. */
export interface ThreadTimes {
  cpu: number;
  runQueue: number;
  /** Times the thread was put on a core (Linux's schedstat only): unchanged, it never left its core in between. */
  slices?: number;
}

/** Reads the calling thread's times; `seesRunQueue` is false where only CPU time is known (runQueue stays 0). */
export interface ThreadClock {
  read(): ThreadTimes;
  seesRunQueue: boolean;
  close(): void;
}

/**
 * A reader of the calling thread's own CPU time, or null where there is none. The pool sizes
 * itself by it: a call that holds its thread without running (a blocking wait) asks for more
 * threads; one that runs, or waits for a core, asks for cores, which more threads do not add.
 *
 * Linux's /proc/thread-self/schedstat has both figures (kept open: a read is one pread). Where
 * it is missing, Node's process.threadCpuUsage() (Node 23.9+) gives the CPU time alone.
 */
export function threadClock(): ThreadClock | null {
  const fromProc = schedstatReader();
  if (fromProc !== null) return fromProc;
  const usage = (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage;
  if (typeof usage !== 'function') return null;
  return {
    read() {
      const { user, system } = usage.call(process);
      return { cpu: (user + system) * 1000, runQueue: 0 };
    },
    seesRunQueue: false,
    close() {},
  };
}

function schedstatReader(): ThreadClock | null {
  let fd: number;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return null;
  }
  const buffer = Buffer.alloc(128);
  const read = (): ThreadTimes | null => {
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    // "<ns on a core> <ns waiting for one> <time slices>"
    const [cpu, runQueue, slices] = buffer.toString('latin1', 0, length).split(' ', 3).map(Number);
    if (!Number.isFinite(cpu) || !Number.isFinite(runQueue)) return null;
    // A running thread has been put on a core at least once: 0 means the kernel does not count.
    return Number.isFinite(slices) && slices! > 0 ? { cpu: cpu!, runQueue: runQueue!, slices: slices! } : { cpu: cpu!, runQueue: runQueue! };
  };
  let last: ThreadTimes | null;
  try {
    last = read();
    // "0 0 0": a kernel that keeps no scheduler statistics (a running thread has used some CPU).
    if (last === null || last.cpu === 0) throw new Error('unreadable');
  } catch {
    closeSync(fd);
    return null;
  }
  return {
    // A read that fails later (the fd closed under us, the file gone) repeats the last good one:
    // no time seems to pass, and nothing throws into the caller's timer or request. The repeat
    // carries no slice count, so no stall is taken for time the thread never left its core.
    read() {
      try {
        const now = read();
        if (now !== null) return (last = now);
      } catch {
        // keep the last reading
      }
      return { cpu: last!.cpu, runQueue: last!.runQueue };
    },
    seesRunQueue: true,
    close: () => {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    },
  };
}
