import proxyAddr from 'proxy-addr';
import { LoopwiseError } from '../errors.js';

/**
 * Which peers may speak for the client through X-Forwarded-* headers: `true` (every peer: only
 * when nothing but the proxy can reach the app), a hop count (trust that many proxies in front),
 * or addresses and CIDRs, with proxy-addr's names `loopback`, `linklocal`, `uniquelocal`.
 */
export type TrustProxy = boolean | number | string | readonly string[];

/** The App's proxy options, checked once; null when neither is set, so requests pay nothing. */
export interface ProxySettings {
  /** The prefix the proxy strips (FastAPI's `root_path`), '' for none; never ends with '/'. */
  rootPath: string;
  /** proxy-addr's trust function, or null: forwarded headers are then ignored. */
  trust: ((address: string, hop: number) => boolean) | null;
}

export function proxySettings(options: { rootPath?: unknown; trustProxy?: unknown }): ProxySettings | null {
  const rootPath = checkedRootPath(options.rootPath);
  const trust = trustFunction(options.trustProxy);
  return rootPath === '' && trust === null ? null : { rootPath, trust };
}

/** A path a URL can start with: '/api', '/api/v1'. A trailing '/' is dropped, as FastAPI strips it. */
const PREFIX = /^(?:\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+\/?$/;

/** '' for no prefix; '/api/' → '/api'; null when `value` cannot be a path prefix. */
export function pathPrefix(value: string): string | null {
  if (value === '' || value === '/') return '';
  if (value.length > 1024 || !PREFIX.test(value)) return null;
  return value.endsWith('/') ? value.slice(0, -1) : value;
}

function checkedRootPath(value: unknown): string {
  if (value === undefined) return '';
  const prefix = typeof value === 'string' ? pathPrefix(value) : null;
  if (prefix === null) {
    throw new LoopwiseError(
      'LW_ERR_INVALID_OPTION',
      `rootPath must be the path prefix your proxy strips, such as "/api" or "/api/v1" (starting with "/", path characters only, no query); got ${describe(value)}.`,
    );
  }
  return prefix;
}

function trustFunction(value: unknown): ProxySettings['trust'] {
  if (value === undefined || value === false) return null;
  if (value === true) return () => true;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 1 || value > 100) {
      throw new LoopwiseError('LW_ERR_INVALID_OPTION', `trustProxy as a number is how many proxies stand in front of the app (a whole number from 1 to 100); got ${value}.`);
    }
    return (_address, hop) => hop < value;
  }
  // "127.0.0.1, 10.0.0.0/8" reads as a list, as Express takes it from an environment variable.
  const list = typeof value === 'string' ? value.split(',').map((item) => item.trim()) : Array.isArray(value) ? value : null;
  if (list === null || list.length === 0 || list.some((item) => typeof item !== 'string' || item === '')) {
    throw new LoopwiseError(
      'LW_ERR_INVALID_OPTION',
      `trustProxy must be true, false, a hop count, or the proxies' addresses: an address, a CIDR or one of 'loopback', 'linklocal', 'uniquelocal' (e.g. ['loopback', '10.0.0.0/8']); got ${describe(value)}.`,
    );
  }
  try {
    return proxyAddr.compile(list as string[]);
  } catch (error) {
    throw new LoopwiseError(
      'LW_ERR_INVALID_OPTION',
      `trustProxy lists something that is not an address, a CIDR or one of 'loopback', 'linklocal', 'uniquelocal': ${(error as Error).message}.`,
      { cause: error },
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array with something that is not a string';
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
}
