// A light route's latency while a heavy one is loaded: one connection, one request at a time, at
// most `rate` a second. Paced rather than flat out (wrk -c1) so the probe itself stays a small load:
// a closed loop on a cheap route would take a large share of the server's one core, and in Python
// the GIL, and so change the figure of the heavy route it sits beside.
import { Agent, get } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProbeResult {
  /** Requests sent: answered, failed and unanswered together. */
  sent: number;
  /** 2xx answers. */
  answers: number;
  answersPerSecond: number;
  /** Of the 2xx answers; null when there were none. */
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Answers outside 2xx, and connection errors. */
  errors: number;
  /** Requests that got no answer within `timeoutMs`. */
  timeouts: number;
  /** The request still waiting when the probe was stopped (0 or 1), and how long it had waited. */
  unansweredAtEnd: number;
  waitingAtEndMs: number;
  seconds: number;
}

export interface ProbeOptions {
  url: string;
  /** Most requests a second. */
  rate: number;
  timeoutMs: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

type Outcome = { kind: 'ok'; ms: number } | { kind: 'error' } | { kind: 'timeout' } | { kind: 'stopped'; ms: number };

function request(url: string, agent: Agent, timeoutMs: number, stop: AbortSignal): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const req = get(url, { agent, signal: AbortSignal.any([timeout, stop]) }, (res) => {
      res.resume();
      res.once('end', () => {
        const ms = performance.now() - started;
        const status = res.statusCode ?? 0;
        resolve(status >= 200 && status < 300 ? { kind: 'ok', ms } : { kind: 'error' });
      });
      res.once('error', () => resolve({ kind: 'error' }));
    });
    req.once('error', () => {
      if (stop.aborted) resolve({ kind: 'stopped', ms: performance.now() - started });
      else resolve(timeout.aborted ? { kind: 'timeout' } : { kind: 'error' });
    });
  });
}

/** Starts probing at once; `stop()` ends it (abandoning a request in flight) and resolves with the figures. */
export function startProbe(options: ProbeOptions): { stop: () => Promise<ProbeResult> } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const halt = new AbortController();
  const latencies: number[] = [];
  let sent = 0;
  let errors = 0;
  let timeouts = 0;
  let unansweredAtEnd = 0;
  let waitingAtEndMs = 0;
  const interval = 1000 / options.rate;
  const started = performance.now();

  const loop = (async () => {
    while (!halt.signal.aborted) {
      const begun = performance.now();
      sent++;
      const outcome = await request(options.url, agent, options.timeoutMs, halt.signal);
      if (outcome.kind === 'ok') latencies.push(outcome.ms);
      else if (outcome.kind === 'error') errors++;
      else if (outcome.kind === 'timeout') timeouts++;
      else {
        unansweredAtEnd = 1;
        waitingAtEndMs = outcome.ms;
      }
      const rest = interval - (performance.now() - begun);
      if (rest > 0 && !halt.signal.aborted) await sleep(rest, undefined, { signal: halt.signal }).catch(() => {});
    }
  })();

  return {
    async stop() {
      const seconds = (performance.now() - started) / 1000;
      halt.abort();
      await loop;
      agent.destroy();
      const sorted = [...latencies].sort((a, b) => a - b);
      return {
        sent,
        answers: sorted.length,
        answersPerSecond: sorted.length / seconds,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        maxMs: sorted.length === 0 ? null : sorted[sorted.length - 1]!,
        errors,
        timeouts,
        unansweredAtEnd,
        waitingAtEndMs,
        seconds,
      };
    },
  };
}
