// The rate limiter's public names, for src/index.ts's one line.
export { rateLimit, closeRateLimit, type RateLimitInfo } from './rate-limit.js';
export type { RateLimitOptions } from './rate-limit-options.js';
export { clientKey } from './client-key.js';
