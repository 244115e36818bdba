// The loop guard's figures read from outside, through a loopwise server's /metrics: how the bench
// (and the seed demo) measure a server in another process, where the load generator's own event
// loop is not the server's.

export interface GuardReading {
  /** The largest event-loop delay in the guard's last window. */
  delayMaxMs: number;
  /** Blocked time per route since the server started. */
  blockedMs: Map<string, number>;
  /** Stalls per route since the server started: how many times the guard named each route. */
  stalls: Map<string, number>;
  /** Time the host starved the server (no route's doing) since it started; 0 from a server too old to report it. */
  hostStarvedMs: number;
}

/** null when the server did not answer (a keep-alive connection closed under us during a stall). */
export async function scrapeGuard(base: string): Promise<GuardReading | null> {
  let text: string;
  try {
    const res = await fetch(`${base}/metrics`);
    text = await res.text();
    if (!res.ok) return null;
  } catch {
    return null;
  }
  return parseGuard(text);
}

/** Picks the loop guard's series out of the Prometheus text; null if they are not there. */
export function parseGuard(text: string): GuardReading | null {
  const delay = /^loopwise_event_loop_delay_max_seconds (\S+)$/m.exec(text);
  if (delay === null) return null;
  const blockedMs = new Map<string, number>();
  for (const [, route, seconds] of text.matchAll(/^loopwise_event_loop_blocked_seconds_total\{route="([^"]+)"\} (\S+)$/gm)) {
    blockedMs.set(route!, Number(seconds) * 1000);
  }
  const stalls = new Map<string, number>();
  for (const [, route, count] of text.matchAll(/^loopwise_event_loop_stalls_total\{route="([^"]+)"\} (\S+)$/gm)) {
    stalls.set(route!, Number(count));
  }
  const starved = /^loopwise_host_starved_seconds_total (\S+)$/m.exec(text);
  return { delayMaxMs: Number(delay[1]) * 1000, blockedMs, stalls, hostStarvedMs: starved === null ? 0 : Number(starved[1]) * 1000 };
}
