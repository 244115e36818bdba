import type { Logger } from 'pino';
import type { RouteDefinition } from '../route.js';
import { isQueueOffload, queueKey, type BullmqConfig } from './bullmq-config.js';
import { QueueClient } from './queue-client.js';
import { jobQueuesNotReady } from './job-producer.js';

/**
 * The queues an App's routes offload through, one client each, made by ready() only when a route
 * asks for one (an app without queues loads neither bullmq nor ioredis, and pays nothing per request).
 */
export class AppQueues {
  private readonly clients = new Map<string, QueueClient>();

  constructor(private readonly log: Logger) {}

  /** Makes the client of every queue these routes name. */
  forRoutes(definitions: readonly RouteDefinition[]): this {
    for (const route of definitions) {
      const offload = route.options.offload;
      if (isQueueOffload(offload)) this.client(offload.queue);
    }
    return this;
  }

  client(config: BullmqConfig): QueueClient {
    const key = queueKey(config);
    let client = this.clients.get(key);
    if (client === undefined) this.clients.set(key, (client = new QueueClient(config, this.log)));
    return client;
  }

  get size(): number {
    return this.clients.size;
  }

  get all(): QueueClient[] {
    return [...this.clients.values()];
  }

  /** Why /ready says 503, or null: a queue whose Redis does not answer. */
  notReadyReason(): string | null {
    for (const client of this.clients.values()) if (!client.available) return `queue ${client.config.name} unreachable`;
    return jobQueuesNotReady();
  }

  async close(): Promise<void> {
    const clients = this.all;
    this.clients.clear();
    await Promise.all(clients.map((client) => client.close()));
  }
}
