// A run's verdict from what it measured: the answers the load generator got and the stalls the
// server's loop guard named this route for. It never says OK for a route it could not measure
// (nothing answered, mostly errors, load shed) and says BAD only on repeated evidence.
import type { LoadResult } from './run-load.js';
import type { Verdict } from './types.js';

/** Fewer answers than this and the run cannot say anything about the route. */
export const MIN_ANSWERS = 10;
/** Past this share of failed requests (non-2xx/3xx answers, timeouts, socket errors) the run measured the failures, not the route. */
export const MOSTLY = 0.5;
/** Stalls the guard must name the route for, within one run, for a BAD verdict: one may be a fluke (a GC pause, a first call). */
export const REPEATED_STALLS = 2;

export interface Judgement {
  verdict: Verdict;
  verdictNote?: string;
}

type Answers = Pick<LoadResult, 'statuses' | 'requests' | 'timeouts' | 'socketErrors'>;

/**
 * `blockedCount`: stalls the guard named this route for during the run (null when unknown);
 * `blockedMs`: their total. Repeated blocking is a verdict whatever the answers were; then the
 * answers must be mostly successes, and plenty; then one stall leaves the question open.
 */
export function judgeRun(load: Answers, blockedCount: number | null, blockedMs: number | null): Judgement {
  const stalls = blockedCount ?? 0;
  if (stalls >= REPEATED_STALLS) {
    return { verdict: 'blocking', verdictNote: `the loop guard named it ${stalls} times (${Math.round(blockedMs ?? 0)} ms in all): offload it or make it async` };
  }
  const failing = failureNote(load);
  if (failing !== undefined) return { verdict: 'inconclusive', verdictNote: failing };
  if (stalls === 1) {
    return { verdict: 'inconclusive', verdictNote: `blocked the loop once (${Math.round(blockedMs ?? 0)} ms): run longer to confirm (--duration)` };
  }
  return { verdict: 'ok' };
}

/** Why the answers cannot carry a verdict, and what to do; undefined when they can. */
function failureNote(load: Answers): string | undefined {
  const attempts = load.requests + load.timeouts + load.socketErrors;
  if (load.requests === 0) {
    if (attempts === 0) return 'no answers: the route sent no response in the run';
    return load.timeouts >= load.socketErrors ? `no answers: ${timeoutAdvice()}` : `no answers: ${socketAdvice()}`;
  }
  // The largest kind of failure speaks for the run: a status code, timeouts or socket errors.
  let failed = load.timeouts + load.socketErrors;
  let worst: { what: string; count: number } = { what: 'timeout', count: load.timeouts };
  if (load.socketErrors > worst.count) worst = { what: 'socket', count: load.socketErrors };
  for (const [status, count] of Object.entries(load.statuses)) {
    if (isSuccess(status)) continue;
    failed += count;
    if (count > worst.count) worst = { what: status, count };
  }
  if (failed > attempts * MOSTLY) {
    const share = `${Math.round((worst.count / attempts) * 100)}%`;
    if (worst.what === 'timeout') return `${share} timed out: ${timeoutAdvice()}`;
    if (worst.what === 'socket') return `${share} socket errors: ${socketAdvice()}`;
    return `${share} ${worst.what} — ${statusAdvice(worst.what)}`;
  }
  if (load.requests < MIN_ANSWERS) {
    return `only ${load.requests} answer${load.requests === 1 ? '' : 's'}, too few to judge: run longer (--duration) or give --amount ${MIN_ANSWERS} or more`;
  }
  return undefined;
}

function isSuccess(status: string): boolean {
  return status.startsWith('2') || status.startsWith('3');
}

function statusAdvice(status: string): string {
  switch (status) {
    case '401':
      return "pass --header 'Authorization: Bearer …' (or --auth-token)";
    case '403':
      return 'the credentials sent are refused: pass a token (--auth-token) or --header the route accepts';
    case '404':
      return 'no such path: check the --route path';
    case '405':
      return 'the route does not take this method: check the --route method';
    case '422':
      return 'the request is refused (422): check the path parameters in --route, the body (--body) and headers (--header) it needs';
    case '413':
    case '415':
    case '400':
      return `the request is refused (${status}): check the body (--body) and headers (--header) it needs`;
    case '429':
      return 'the server rate-limited the bench: raise its limit for the run or lower --concurrency';
    case '503':
      return 'the server shed load: lower --concurrency or raise its limits';
    default:
      return status.startsWith('5') ? `the route fails: see the server's log` : `the route answers ${status}: check the request it needs (--header, --body)`;
  }
}

function timeoutAdvice(): string {
  return 'no answer within the timeout (10 s): the route hangs, streams, or is slower than that; lower --concurrency';
}

function socketAdvice(): string {
  return "the connections failed (refused, reset or closed mid-answer): see the server's log";
}
