// Other work on the machine skews a run more than anything the bench does, and on a shared
// machine it comes and goes. These probes read Linux's /proc to say when a run was disturbed
// and to wait for a quiet moment before starting one; elsewhere they report nothing.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

interface CoreTicks {
  /** user + nice + system: time spent running tasks. */
  task: number;
  /** irq + softirq: loopback traffic is mostly softirq work done for the server and wrk. */
  irq: number;
  steal: number;
  total: number;
}

/** Ticks per core from /proc/stat ("cpu0 user nice system idle iowait irq softirq steal …"). */
function readCores(): Map<string, CoreTicks> | null {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return null;
  }
  const cores = new Map<string, CoreTicks>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const [name, ...fields] = line.trim().split(/\s+/);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields.map(Number);
    const task = user + nice + system;
    cores.set(name!, { task, irq: irq + softirq, steal, total: task + irq + softirq + idle + iowait + steal });
  }
  return cores;
}

/** Fields of /proc/<pid>/stat from utime on: utime, stime, cutime, cstime (ticks), or null. */
function processTimes(pid: number | 'self'): number[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: count fields from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 15).map(Number);
  } catch {
    return null;
  }
}

export interface CoreDisturbance {
  /** Share of the core's time spent on tasks that are not part of the bench, in percent. */
  otherPercent: number;
  /** Share of the core's time the hypervisor gave to someone else, in percent. */
  stealPercent: number;
}

export interface Disturbance {
  server: CoreDisturbance;
  load: CoreDisturbance;
}

/**
 * Watches both cores during one measured run. Ours on the server core: the server process (all its
 * threads). Ours on the load core: this script, and wrk, which has exited and been reaped by the
 * time stop() is called, so its time shows in this process's cutime/cstime. The rest is other work.
 */
export function watchRun(serverCpu: number, loadCpu: number, serverPid: number): { stop: () => Disturbance | null } {
  const coresBefore = readCores();
  const serverBefore = processTimes(serverPid);
  const selfBefore = processTimes('self');
  return {
    stop() {
      const coresAfter = readCores();
      const serverAfter = processTimes(serverPid);
      const selfAfter = processTimes('self');
      if (coresBefore === null || coresAfter === null || serverBefore === null || serverAfter === null || selfBefore === null || selfAfter === null) {
        return null;
      }
      const sum = (times: number[], from: number, to: number): number => times.slice(from, to).reduce((a, b) => a + b, 0);
      const server = share(coresBefore.get(`cpu${serverCpu}`), coresAfter.get(`cpu${serverCpu}`), sum(serverAfter, 0, 2) - sum(serverBefore, 0, 2));
      const load = share(coresBefore.get(`cpu${loadCpu}`), coresAfter.get(`cpu${loadCpu}`), sum(selfAfter, 0, 4) - sum(selfBefore, 0, 4));
      return server === null || load === null ? null : { server, load };
    },
  };
}

function share(before: CoreTicks | undefined, after: CoreTicks | undefined, ours: number): CoreDisturbance | null {
  if (before === undefined || after === undefined) return null;
  const total = after.total - before.total;
  if (total <= 0) return null;
  const task = after.task - before.task;
  // Whether a task's own times include the irq time spent while it ran depends on the kernel
  // (CONFIG_IRQ_TIME_ACCOUNTING). When ours exceed the core's task time, they do: count irq as busy too.
  const busy = ours > task ? task + after.irq - before.irq : task;
  return {
    otherPercent: Math.max(0, (100 * (busy - ours)) / total),
    stealPercent: (100 * (after.steal - before.steal)) / total,
  };
}

/** How busy the whole machine is over `windowMs`, in percent (steal counted as busy). */
async function machineBusy(windowMs: number): Promise<number | null> {
  const before = readCores()?.get('cpu');
  await sleep(windowMs);
  const after = readCores()?.get('cpu');
  if (before === undefined || after === undefined) return null;
  const total = after.total - before.total;
  const busy = (t: CoreTicks): number => t.task + t.irq + t.steal;
  return total <= 0 ? null : (100 * (busy(after) - busy(before))) / total;
}

/**
 * Between runs nothing of ours is working, so any load is someone else's: wait (up to `maxWaitMs`)
 * until it drops under `threshold` percent. Returns the last reading and whether it got quiet.
 */
export async function waitForQuiet(threshold: number, maxWaitMs: number): Promise<{ quiet: boolean; busy: number | null; waitedMs: number }> {
  const start = Date.now();
  for (;;) {
    const busy = await machineBusy(300);
    const waitedMs = Date.now() - start;
    if (busy === null || busy < threshold) return { quiet: true, busy, waitedMs };
    if (waitedMs >= maxWaitMs) return { quiet: false, busy, waitedMs };
  }
}
