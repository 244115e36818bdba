import type { RequestListener } from 'node:http';
import type { ProxySettings } from './proxy-options.js';
import { PROXY, type ProxiedRequest } from './forwarded.js';

/**
 * The listener of an App with rootPath or trustProxy: the request carries the settings, read
 * only by what asks (src/proxy/forwarded.ts). An App without them is never wrapped. Under a
 * mount the outer App's settings win: it is the one the proxy talks to.
 */
export function withProxy(listener: RequestListener, settings: ProxySettings): RequestListener {
  return function proxied(req, res) {
    (req as ProxiedRequest)[PROXY] ??= settings;
    listener(req, res);
  };
}
