import { BroadcastChannel } from 'node:worker_threads';
import type { Deliver, MessageBus } from './message-bus.js';

/** Redis channels and BroadcastChannels are named per channel under this prefix. */
export const CHANNEL_PREFIX = 'loopwise:channel:';

interface Topic {
  /** This thread's one BroadcastChannel for the name: it hears the other threads' posts (never its own). */
  port: BroadcastChannel;
  listeners: Set<Deliver>;
}

/**
 * The in-process transport: every thread of the process (the main thread, offload worker threads)
 * has one BroadcastChannel per channel name. A BroadcastChannel does not receive its own posts, so
 * a publish hands the message to this thread's listeners itself and posts it for the other
 * threads: each listener gets it exactly once. Messages are structured clones, as between threads.
 */
class LocalBus implements MessageBus {
  private readonly topics = new Map<string, Topic>();

  async publish(name: string, message: unknown): Promise<void> {
    const topic = this.topic(name);
    // A clone per publish: this thread's listeners get what the other threads get, not a shared object.
    const copy = structuredClone(message);
    for (const deliver of topic.listeners) deliver(copy);
    topic.port.postMessage(copy);
  }

  listen(name: string, deliver: Deliver): () => void {
    const topic = this.topic(name);
    topic.listeners.add(deliver);
    return () => void topic.listeners.delete(deliver);
  }

  listeners(name: string): number {
    return this.topics.get(name)?.listeners.size ?? 0;
  }

  private topic(name: string): Topic {
    let topic = this.topics.get(name);
    if (topic === undefined) {
      const port = new BroadcastChannel(CHANNEL_PREFIX + name);
      // The port must not keep a thread (or the process) alive: the server and the pool do that.
      port.unref();
      const listeners = new Set<Deliver>();
      port.onmessage = (event) => {
        // Read as plain data: Node's and the DOM's MessageEvent types differ (the client's type tests compile with the DOM's).
        const data = (event as { data?: unknown }).data;
        for (const deliver of listeners) deliver(data);
      };
      topic = { port, listeners };
      this.topics.set(name, topic);
    }
    return topic;
  }
}

const KEY = Symbol.for('loopwise.channels.local-bus');

/**
 * This thread's local bus. Kept on globalThis: a worker thread may load loopwise twice (the pool's
 * entry and the app's own import), and two buses would each post, so a listener would hear twice.
 */
export function localBus(): MessageBus {
  const holder = globalThis as unknown as Record<symbol, MessageBus | undefined>;
  return (holder[KEY] ??= new LocalBus());
}
