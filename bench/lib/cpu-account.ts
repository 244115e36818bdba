// Whose CPU a run used, from Linux's /proc: each named process's own time (all its threads), and
// the whole machine's busy time, so a run can say its CPU per request and how much of the machine
// went to someone else (the noise). Elsewhere every figure is null.
import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc's times are in these ticks everywhere it matters. */
const TICK_MS = 10;

/** utime + stime of a live process, with cutime + cstime (its reaped children, e.g. wrk) when asked, in ms; null if unreadable. */
export function processCpuMs(pid: number | 'self', withChildren = false): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: count fields from the last ')'.
    const [utime = 0, stime = 0, cutime = 0, cstime = 0] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 15).map(Number);
    return (utime + stime + (withChildren ? cutime + cstime : 0)) * TICK_MS;
  } catch {
    return null;
  }
}

/**
 * Busy (user, nice, system, steal) and total ms of all cores together, or null. irq and softirq
 * (mostly loopback traffic, done for the run itself) are left out of busy: whether a process's own
 * times include them depends on the kernel, so they would show as someone else's work.
 */
function machineMs(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = user + nice + system + steal;
    return { busy: busy * TICK_MS, total: (busy + idle + iowait + irq + softirq) * TICK_MS };
  } catch {
    return null;
  }
}

export interface CpuAccount {
  /** CPU ms per named group of processes over the window (null where /proc could not say). */
  byGroup: Record<string, number | null>;
  /** Share of the whole machine (all cores) that went to processes not named here, in percent. */
  otherPercent: number | null;
  /** Share of the whole machine that was busy, in percent. */
  busyPercent: number | null;
}

/**
 * Starts counting now. `groups` names the processes that belong to the run (API, workers, redis);
 * this process and its reaped children (wrk) count as the run's too. Processes must outlive stop().
 */
export function accountCpu(groups: Record<string, number[]>): { stop: () => CpuAccount } {
  const read = (pids: number[]): number | null => {
    let sum = 0;
    for (const pid of pids) {
      const ms = processCpuMs(pid);
      if (ms === null) return null;
      sum += ms;
    }
    return sum;
  };
  const before = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, read(pids)]));
  const selfBefore = processCpuMs('self', true);
  const machineBefore = machineMs();
  return {
    stop() {
      const byGroup: Record<string, number | null> = {};
      for (const [name, pids] of Object.entries(groups)) {
        const after = read(pids);
        byGroup[name] = after === null || before[name] === null ? null : after - before[name]!;
      }
      const selfAfter = processCpuMs('self', true);
      const machineAfter = machineMs();
      if (machineBefore === null || machineAfter === null || selfBefore === null || selfAfter === null || Object.values(byGroup).includes(null)) {
        return { byGroup, otherPercent: null, busyPercent: null };
      }
      const total = machineAfter.total - machineBefore.total;
      const busy = machineAfter.busy - machineBefore.busy;
      const ours = (selfAfter - selfBefore) + Object.values(byGroup).reduce<number>((a, b) => a + b!, 0);
      return {
        byGroup,
        otherPercent: total > 0 ? Math.max(0, (100 * (busy - ours)) / total) : null,
        busyPercent: total > 0 ? (100 * busy) / total : null,
      };
    },
  };
}
