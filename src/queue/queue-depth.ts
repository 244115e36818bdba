import type { AppMetrics } from '../metrics/app-metrics.js';
import { queueKey, type BullmqConfig } from './bullmq-config.js';
import { jobProducer } from './job-producer.js';
import { registerQueueDepth, type DepthSource } from './queue-metrics.js';

/**
 * Adds `queue_jobs{queue, state}` to these metrics for these queues, once, at startup (an app
 * without queues never calls it). Each queue is counted through its producer connection (the
 * one background.enqueue uses), opened by the first scrape if nothing opened it before.
 */
export function watchQueueDepth(metrics: AppMetrics, queues: readonly BullmqConfig[]): void {
  const unique = new Map<string, BullmqConfig>();
  for (const queue of queues) unique.set(queueKey(queue), queue);
  if (unique.size === 0) return;
  const sources: DepthSource[] = [...unique.values()].map((config) => ({
    name: config.name,
    timeout: config.redisTimeout,
    counts: () => jobProducer(config).counts(),
  }));
  registerQueueDepth(metrics.registry, metrics.prefix, () => sources);
}
