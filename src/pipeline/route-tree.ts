import type { IncomingMessage } from 'node:http';
import FindMyWay from 'find-my-way';
import { HTTPException } from '../errors.js';

/** How a lookup that failed before any route answers: with the request and whatever the caller passed on to the handler. */
export type LookupRefusal<Out> = (req: IncomingMessage, out: Out, error: HTTPException) => void;

/**
 * The radix tree (find-my-way, Fastify's router) that matches paths, for HTTP routes and
 * WebSocket routes alike: case-sensitive, no trailing-slash folding, the query left unparsed
 * (only routes that read it parse it). A URL that is not valid percent-encoding is a 400, a path
 * parameter over `maxParamLength` a 414; `refuse` answers them, on a response or an upgraded socket.
 */
export function createRouteTree<Out>(maxParamLength: number, refuse: LookupRefusal<Out>): FindMyWay.Instance<FindMyWay.HTTPVersion.V1> {
  return FindMyWay({
    caseSensitive: true,
    ignoreTrailingSlash: false,
    maxParamLength,
    querystringParser: (query: string) => query as never,
    onBadUrl: (_path: string, req: IncomingMessage, out: unknown) =>
      refuse(req, out as Out, new HTTPException(400, 'Bad Request: the URL is not valid percent-encoding')),
    onMaxParamLength: (_path: string, req: IncomingMessage, out: unknown) =>
      refuse(req, out as Out, new HTTPException(414, `URI Too Long: a path parameter is longer than ${maxParamLength} characters`)),
  } as FindMyWay.Config<FindMyWay.HTTPVersion.V1>);
}
