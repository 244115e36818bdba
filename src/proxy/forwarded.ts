// What a request says about its client and its public URL, from the socket or, when the peer is a
// trusted proxy, from its X-Forwarded-* headers. Asked only when something reads it: a handler's
// `ip`, `protocol` or `host`, the access log, a redirect, the docs pages.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyAddr from 'proxy-addr';
import { pathPrefix, type ProxySettings } from './proxy-options.js';

/** Where the outermost App with proxy options leaves them on the request (src/proxy/with-proxy.ts). */
export const PROXY: unique symbol = Symbol('loopwise.proxy');
/** The prefixes mounts took off `req.url`, outermost first ('/v2', then '/v2/admin'…). */
export const MOUNT_PREFIX: unique symbol = Symbol('loopwise.mountPrefix');
const CLIENT_IP: unique symbol = Symbol('loopwise.clientIp');
/** Set on a worker thread's copy of a request: what the main thread found, since the socket and proxy settings stay there. */
const CLIENT: unique symbol = Symbol('loopwise.client');

/** The client as the main thread saw it, handed to an offloaded handler with its request. */
export interface ClientInfo {
  ip: string;
  protocol: string;
  host: string;
}

export type ProxiedRequest = IncomingMessage & { [PROXY]?: ProxySettings; [MOUNT_PREFIX]?: string; [CLIENT_IP]?: string; [CLIENT]?: ClientInfo };

/** Gives a request copied to a worker thread the client its original had (src/offload/worker.ts). */
export function presetClient(req: object, client: ClientInfo): void {
  (req as ProxiedRequest)[CLIENT] = client;
  (req as ProxiedRequest)[CLIENT_IP] = client.ip;
}

function peerAddress(req: IncomingMessage): string {
  // A worker thread's copy of the request has no socket (docs/behind-a-proxy.md).
  return (req.socket as IncomingMessage['socket'] | undefined)?.remoteAddress ?? '';
}

/** Whether the peer is a proxy this App trusts, so its X-Forwarded-* headers speak for the client. */
function trustedPeer(req: ProxiedRequest): boolean {
  const trust = req[PROXY]?.trust;
  return trust != null && trust(peerAddress(req), 0);
}

/** The first value of a header that proxies may repeat or list ("https, http"). */
function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const comma = value.indexOf(',');
  return (comma === -1 ? value : value.slice(0, comma)).trim();
}

/**
 * The client's address: the socket's peer, or with trustProxy the address proxy-addr finds in
 * X-Forwarded-For (the nearest one not trusted). Worked out once per request.
 */
export function clientIp(req: ProxiedRequest): string {
  const known = req[CLIENT_IP];
  if (known !== undefined) return known;
  const trust = req[PROXY]?.trust;
  const peer = peerAddress(req);
  let ip = trust == null || req.socket == null ? peer : proxyAddr(req, trust);
  // A trusted proxy passes on what the client wrote in X-Forwarded-For: anything not an address
  // ("<script>", "unknown") is not one, and the peer stands for the client.
  if (ip !== peer && isIP(ip) === 0) ip = peer;
  ip = unmapped(ip);
  req[CLIENT_IP] = ip;
  return ip;
}

/** An IPv4 address written as IPv6 (`::ffff:127.0.0.1`, a dual-stack socket's) in its IPv4 form, so one client is one key. */
function unmapped(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/** 'https' or 'http': the socket's, or a trusted proxy's X-Forwarded-Proto (Express's `req.protocol`). */
export function clientProtocol(req: ProxiedRequest): string {
  const preset = req[CLIENT];
  if (preset !== undefined) return preset.protocol;
  if (trustedPeer(req)) {
    const forwarded = firstValue(req.headers['x-forwarded-proto'])?.toLowerCase();
    if (forwarded === 'http' || forwarded === 'https') return forwarded;
  }
  return (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true ? 'https' : 'http';
}

/** The host the client asked for: a trusted proxy's X-Forwarded-Host, else the Host header ('' without one). */
export function clientHost(req: ProxiedRequest): string {
  const preset = req[CLIENT];
  if (preset !== undefined) return preset.host;
  if (trustedPeer(req)) {
    const forwarded = firstValue(req.headers['x-forwarded-host']);
    if (forwarded !== undefined && forwarded !== '') return forwarded;
  }
  return req.headers.host ?? '';
}

/**
 * The prefix the proxy stripped: a trusted proxy's X-Forwarded-Prefix (a per-request rootPath),
 * else the rootPath option; '' for none. A prefix that is not a plain path is ignored, so a
 * header cannot turn a Location or a docs page's links toward another host.
 */
export function proxyPrefix(req: ProxiedRequest): string {
  const settings = req[PROXY];
  if (settings === undefined) return '';
  if (settings.trust !== null && trustedPeer(req)) {
    const forwarded = firstValue(req.headers['x-forwarded-prefix']);
    const prefix = forwarded === undefined ? null : pathPrefix(forwarded);
    if (prefix !== null) return prefix;
  }
  return settings.rootPath;
}

/**
 * The path this App is served under, as the client sees it (Starlette's `root_path`): the proxy's
 * prefix, then the mounts' ('/api' + '/v2'). The docs pages and the OpenAPI `servers` use it.
 */
export function rootPathOf(req: ProxiedRequest): string {
  return proxyPrefix(req) + (req[MOUNT_PREFIX] ?? '');
}
