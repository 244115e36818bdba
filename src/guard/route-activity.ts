import { performance } from 'node:perf_hooks';

/**
 * Which routes had a request in flight, cheaply: a counter per route, and a clock read only when
 * it goes from idle to busy or back. When the loop stalls after an await, where no timer
 * surrounds the code, the routes in flight across the stall are the only suspects; one suspect
 * is the culprit, named at the first stall instead of after tracing.
 */
export class RouteActivity {
  inFlight = 0;
  /** When inFlight last went from 0 to 1 (performance.now()). */
  busySince = 0;
  /** When inFlight last went back to 0. */
  idleSince = -Infinity;

  constructor(readonly route: string) {}

  begin(): void {
    if (this.inFlight++ === 0) this.busySince = performance.now();
  }

  end(): void {
    if (--this.inFlight === 0) this.idleSince = performance.now();
  }

  /**
   * Had a request in flight when the loop was already stalled (`blockedFrom`: the beat it missed),
   * still in flight or finished since. A route that finished before then, however shortly, is not.
   */
  inFlightAcross(blockedFrom: number): boolean {
    return (this.inFlight > 0 && this.busySince <= blockedFrom) || this.idleSince >= blockedFrom;
  }
}
