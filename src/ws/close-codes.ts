/**
 * The close codes loopwise sends (RFC 6455 §7.4.1), by name. Your own codes go in 4000–4999.
 */
export const CloseCode = {
  /** The handler returned, or closed the socket without a code. */
  NORMAL: 1000,
  /** The server is shutting down (`app.close()`, SIGTERM). */
  GOING_AWAY: 1001,
  /** A binary frame where the route takes text (or JSON), or text where it takes binary. */
  UNSUPPORTED_DATA: 1003,
  /** A text frame that is not JSON, or JSON that does not match the route's `message` schema (and text that is not UTF-8). */
  INVALID_PAYLOAD: 1007,
  /** Generic refusal, for your own checks: `throw new WebSocketException(1008, 'why')`. */
  POLICY_VIOLATION: 1008,
  /** A message larger than the route's `maxPayload`. */
  MESSAGE_TOO_BIG: 1009,
  /** The handler threw; the error is logged, never sent. */
  INTERNAL_ERROR: 1011,
} as const;

/** A close reason is at most 123 bytes of UTF-8 (a control frame's 125 less the 2-byte code). */
export const MAX_REASON_BYTES = 123;

/** Cuts a reason to 123 bytes without splitting a character, marking the cut with "…". */
export function clipReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_REASON_BYTES) return reason;
  let clipped = '';
  let bytes = Buffer.byteLength('…');
  for (const char of reason) {
    const size = Buffer.byteLength(char);
    if (bytes + size > MAX_REASON_BYTES) break;
    bytes += size;
    clipped += char;
  }
  return `${clipped}…`;
}

/** Codes an endpoint may send (RFC 6455 §7.4): 1000–1003, 1007–1014, and 3000–4999. */
export function isSendableCode(code: number): boolean {
  return Number.isInteger(code) && ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999));
}
