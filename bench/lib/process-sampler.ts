// A server's memory and threads through a run, read from /proc/<pid>/status, and (for loopwise)
// its offload pool's gauges read from /metrics once a second. Linux only: elsewhere every figure
// stays null.
import { readFileSync } from 'node:fs';
import { get } from 'node:http';

export interface ProcStatus {
  rssMiB: number;
  /** The kernel's high-water mark of RSS over the process's whole life. */
  hwmMiB: number;
  threads: number;
}

export function readStatus(pid: number): ProcStatus | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rssMiB: field('VmRSS') / 1024, hwmMiB: field('VmHWM') / 1024, threads: field('Threads') };
}

export interface SampleSeries {
  /** Highest VmRSS seen (sampled every `everyMs`). */
  peakRssMiB: number | null;
  /** VmHWM when sampling stopped. */
  hwmMiB: number | null;
  peakThreads: number | null;
  /** One reading a second: RSS, threads, and each pool gauge found on /metrics. */
  perSecond: { second: number; rssMiB: number; threads: number; pool: Record<string, number> }[];
}

/**
 * Series on /metrics whose name holds `offload_pool`: discovered at run time, since their set is
 * changing with the pool (only `loopwise_offload_pool_threads` is relied on by name).
 */
export function poolGauges(text: string): Record<string, number> {
  const gauges: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*offload_pool\w*)(?:\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (match) gauges[match[1]!] = (gauges[match[1]!] ?? 0) + Number(match[2]);
  }
  return gauges;
}

function fetchText(url: string, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve(res.statusCode === 200 ? body : null));
      res.once('error', () => resolve(null));
    });
    req.once('error', () => resolve(null));
  });
}

/** Samples `pid` every `everyMs` until stop(); `metricsUrl` (or null) is read once a second. */
export function startSampler(pid: number, metricsUrl: string | null, everyMs = 200): { stop: () => SampleSeries } {
  let peakRss: number | null = null;
  let peakThreads: number | null = null;
  let hwm: number | null = null;
  let ticks = 0;
  const perSecond: SampleSeries['perSecond'] = [];
  const perSecondTicks = Math.max(1, Math.round(1000 / everyMs));
  const timer = setInterval(() => {
    ticks++;
    const status = readStatus(pid);
    if (status === null) return;
    peakRss = Math.max(peakRss ?? 0, status.rssMiB);
    peakThreads = Math.max(peakThreads ?? 0, status.threads);
    hwm = status.hwmMiB;
    if (ticks % perSecondTicks !== 0) return;
    const row = { second: ticks / perSecondTicks, rssMiB: status.rssMiB, threads: status.threads, pool: {} as Record<string, number> };
    perSecond.push(row);
    // A late answer still lands in its own second's row; a server too busy to answer leaves it empty.
    if (metricsUrl !== null) void fetchText(metricsUrl, 900).then((text) => text !== null && Object.assign(row.pool, poolGauges(text)));
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const last = readStatus(pid);
      if (last !== null) {
        peakRss = Math.max(peakRss ?? 0, last.rssMiB);
        hwm = last.hwmMiB;
      }
      return { peakRssMiB: peakRss, hwmMiB: hwm, peakThreads, perSecond };
    },
  };
}
