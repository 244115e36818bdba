import type { RequestSnapshot } from '../http-types.js';

/** What clientKey() reads: a dependency's or handler's context. */
export interface ClientKeySource {
  readonly request: RequestSnapshot;
  /** The client's address once `trustProxy` has judged X-Forwarded-For, where the context has it. */
  readonly ip?: unknown;
}

/**
 * The client's address, the rate limiter's default key: the context's `ip` when it has one (it
 * honours `trustProxy`), else the socket's peer address. Undefined where there is no socket (an
 * offloaded route's dependencies run on a worker thread with a snapshot of the request).
 */
export function clientKey(context: ClientKeySource): string | undefined {
  const ip = context.ip ?? (context.request as { ip?: unknown }).ip;
  if (typeof ip === 'string' && ip !== '') return ip;
  const socket = (context.request as { socket?: { remoteAddress?: string } }).socket;
  return socket?.remoteAddress;
}
