/** A listener for one channel's messages in this thread. */
export type Deliver = (message: unknown) => void;

/**
 * How a channel's messages travel: within a process (local-bus.ts) or through Redis (redis-bus.ts).
 * One bus per thread and transport, shared by every Channel of that thread: each subscriber is
 * handed each message once, whichever thread or process published it.
 */
export interface MessageBus {
  publish(name: string, message: unknown): Promise<void>;
  /** Adds a listener; the function returned removes it (and lets the transport go when it was the last). */
  listen(name: string, deliver: Deliver): () => void;
  /** Listeners of `name` in this thread. */
  listeners(name: string): number;
}
