import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { HTTPException } from '../errors.js';
import type { BackgroundRunner } from '../deps/background-tasks.js';
import type { AppState } from '../deps/dependency.js';
import { afterAnswer } from '../pipeline/after-response.js';
import type { RequestContext } from '../pipeline/context.js';
import { CloseCode } from './close-codes.js';
import { WebSocketDisconnect, WebSocketException } from './errors.js';
import { WebSocketConnection, type ConnectionSettings } from './typed-socket.js';
import type { WebSocketContext, WebSocketRouteDefinition } from './ws-route.js';

/** What a session needs of the app: its log, where work after the answer runs, the state handlers see. */
export interface SessionServices {
  log: Logger;
  background: BackgroundRunner;
  state: AppState;
}

/** The app's open sockets, which `close()` ends with 1001. */
export interface OpenSockets {
  add(connection: WebSocketConnection<unknown, unknown>): void;
}

/** Serves one accepted socket; `refusal` (a dependency's WebSocketException) closes it at once with its code instead. */
export type StartSession = (ws: WebSocket, socket: Duplex, context: RequestContext, refusal: WebSocketException | null) => void;

/**
 * The life of an accepted socket: wrapped as a typed WebSocketConnection, handed to the route's
 * handler with the handshake's parts, closed as the handler's end calls for, and then, as after an
 * HTTP response, its dependencies' cleanups and background tasks (src/pipeline/after-response.ts).
 */
export function compileSession(
  route: WebSocketRouteDefinition,
  settings: ConnectionSettings<unknown, unknown>,
  services: SessionServices,
  open: OpenSockets,
  name: string,
): StartSession {
  const { log, background } = services;
  return (ws, socket, context, refusal) => {
    let connection: WebSocketConnection<unknown, unknown>;
    try {
      connection = new WebSocketConnection(ws, socket, settings);
    } catch (error) {
      log.error({ err: error, route: name }, `${name}: failed to set up the connection`);
      ws.terminate();
      afterAnswer(context, error, name, services);
      return;
    }
    open.add(connection);
    if (refusal !== null) {
      connection.close(refusal.code, refusal.reason);
      afterAnswer(context, refusal, name, services);
      return;
    }
    const argument: WebSocketContext = {
      params: context.params,
      query: context.query as WebSocketContext['query'],
      headers: context.headers as WebSocketContext['headers'],
      cookies: context.cookies as WebSocketContext['cookies'],
      deps: context.deps as WebSocketContext['deps'],
      request: context.request,
      state: services.state,
    };
    const run = (async () => {
      let failure: unknown;
      try {
        await route.handler(connection, argument);
      } catch (error) {
        failure = error;
      }
      closeAfter(connection, failure, name, log);
      // A peer that left is the normal end of a socket, not a failure to show the cleanups.
      afterAnswer(context, failure instanceof WebSocketDisconnect ? undefined : failure, name, services);
    })().catch((error: unknown) => {
      log.error({ err: error, route: name }, `${name}: failed to end the connection`);
      connection.terminate(); // not left open with no handler reading it
    });
    // Shutdown waits for handlers still finishing, as for background work.
    background.track(run);
  };
}

/** Closes the socket as the handler's end calls for, unless it is already closing. */
function closeAfter(connection: WebSocketConnection<unknown, unknown>, failure: unknown, name: string, log: Logger): void {
  if (failure === undefined || failure instanceof WebSocketDisconnect) {
    connection.close(CloseCode.NORMAL);
    return;
  }
  if (failure instanceof WebSocketException) {
    log.debug({ route: name, code: failure.code, reason: failure.reason }, `${name}: closed by the handler with ${failure.code}`);
    connection.close(failure.code, failure.reason);
    return;
  }
  if (failure instanceof HTTPException) {
    // Shared code written for HTTP routes: after the handshake its status can only become a policy violation.
    const detail = typeof failure.detail === 'string' ? failure.detail : JSON.stringify(failure.detail);
    log.debug({ route: name, status: failure.statusCode, detail }, `${name}: HTTPException ${failure.statusCode} after the handshake; closing with 1008`);
    connection.close(CloseCode.POLICY_VIOLATION, detail);
    return;
  }
  log.error({ err: failure, route: name }, `Unhandled error in ${name}`);
  connection.close(CloseCode.INTERNAL_ERROR, 'Internal Server Error');
}
