import { HTTPException } from '../errors.js';
import type { LoopGuard } from './loop-guard.js';

/**
 * The answer to a request (or WebSocket handshake) the guard sheds, counted as shed: 503 at once,
 * since served now it would wait behind the stall anyway, and add to it. Retry-After is one
 * sampling window, the soonest the guard can change its mind.
 */
export function shedAnswer(guard: LoopGuard): HTTPException {
  guard.noteShed('loop');
  const delay = Math.round(guard.loop.delayMaxMs);
  const retryAfter = String(Math.max(1, Math.ceil(guard.settings.sampleInterval / 1000)));
  return new HTTPException(503, `Service Unavailable: the server is overloaded (event-loop delay ${delay} ms), retry shortly`, { 'retry-after': retryAfter });
}
