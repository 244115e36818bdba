import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import { LoopwiseError } from '../errors.js';
import { installHint } from '../optional-package.js';
import type { RedisConfig } from './redis-config.js';

const require = createRequire(import.meta.url);

/**
 * A new ioredis connection from `config`, with `overrides` for its use (a subscriber, a queue's
 * blocking connection, a fail-fast command connection). ioredis is an optional peer dependency:
 * without it this names the install, for `feature`.
 */
export function openRedis(config: RedisConfig, feature: string, overrides: RedisOptions = {}): Redis {
  let RedisClass: new (url: string, options: RedisOptions) => Redis;
  try {
    RedisClass = (require('ioredis') as { Redis: typeof RedisClass }).Redis;
  } catch (error) {
    throw new LoopwiseError('LW_ERR_MISSING_PACKAGE', installHint('ioredis', feature), { cause: error });
  }
  return new RedisClass(config.url, { ...(config.options as RedisOptions), ...overrides });
}
