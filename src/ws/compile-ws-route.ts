import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { RequestValidationError } from '../errors.js';
import type { BackgroundRunner } from '../deps/background-tasks.js';
import type { DependencyRuntime } from '../deps/request-scope.js';
import { afterAnswer } from '../pipeline/after-response.js';
import { compileChecks } from '../pipeline/compile-route.js';
import type { RequestContext, RequestContextClass } from '../pipeline/context.js';
import { compileDependencies } from '../pipeline/resolve-dependencies.js';
import type { ValidationIssue } from '../schema/validation-issue.js';
import type { ValidationLimits } from '../schema/validation-limits.js';
import type { SchemaNamespace } from '../schema/validator.js';
import { WebSocketException } from './errors.js';
import { compileHandshake, shuttingDownError } from './handshake.js';
import { compileMessageDecoder, compileSendSerializer } from './message.js';
import { compileSession, type OpenSockets } from './session.js';
import type { ConnectionSettings } from './typed-socket.js';
import { destroyOnError, type UpgradeHttp } from './upgrade-http.js';
import type { WebSocketRouteDefinition } from './ws-route.js';
import { routeName } from '../route-name.js';

export const DEFAULT_HIGH_WATER_MARK = 64 * 1024;
export const DEFAULT_HEARTBEAT = 30_000;
/** Messages received and not yet read before the socket stops reading from the peer. */
export const MAX_QUEUED_MESSAGES = 32;

/** What a WebSocket route is compiled with: the app's services, as an HTTP route's runner gets them. */
export interface WebSocketRouteServices {
  log: Logger;
  background: BackgroundRunner;
  dependencies: DependencyRuntime;
  /** The App's context class, so exception handlers and dependencies see `context.log` as on HTTP routes. */
  contextClass: RequestContextClass;
  validation?: ValidationLimits | undefined;
  /** The App's named schemas' ajv instances, as its HTTP routes compile in. */
  schemas?: SchemaNamespace | undefined;
}

/** A matched handshake, with the route's path parameters and raw query string, as find-my-way gives them. */
export type Upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, params: Record<string, unknown>, rawQuery: string) => void;

/** Where the route's sockets go once accepted, and whether the app has started closing. */
export interface SocketRegistry extends OpenSockets {
  readonly closing: boolean;
}

/**
 * A WebSocket route, compiled once at listen into the steps its handshake goes through, each
 * the HTTP pipeline's own where HTTP has one:
 *  1. its params, query, headers and cookies checked as an HTTP route's (422, or 400);
 *  2. its dependencies resolved as an HTTP route's (an HTTPException refuses the handshake with
 *     its status; a WebSocketException accepts it, then closes with its code);
 *  3. the 101, with the headers and cookies the dependencies set;
 *  4. the session: the handler, the close, then the cleanups and background tasks.
 * Any refusal is answered in the app's error shapes, as an HTTP route's errors are.
 */
export function compileWebSocketRoute(route: WebSocketRouteDefinition, services: WebSocketRouteServices, http: UpgradeHttp, sockets: SocketRegistry): Upgrade {
  const { log, contextClass: ContextClass } = services;
  const name = routeName(route.method, route.path);
  const checks = compileChecks(route, name, services.validation, services.schemas);
  const resolve = compileDependencies(route.options, services.dependencies);
  const accept = compileHandshake(route.options.maxPayload, name, log);
  const startSession = compileSession(route, connectionSettings(route, name, log, services), { ...services, state: services.dependencies.state }, sockets, name);

  /** Step 1: null when every part is valid, else the error the handshake is refused with. */
  function invalidParts(context: RequestContext): unknown {
    const issues: ValidationIssue[] = [];
    try {
      for (const check of checks) check(context, issues);
      void context.query; // parsed now, while the handshake can still be refused: broken percent-encoding is a 400
    } catch (error) {
      return error;
    }
    return issues.length > 0 ? new RequestValidationError(issues) : null;
  }

  /** Step 3: the 101, unless the client left while its dependencies resolved or the app started closing. */
  function handshake(req: IncomingMessage, socket: Duplex, head: Buffer, context: RequestContext, refusal: WebSocketException | null): void {
    if (socket.destroyed || !socket.readable || !socket.writable) {
      socket.destroy();
      afterAnswer(context, undefined, name, services);
      return;
    }
    if (sockets.closing) {
      http.refuse(req, socket, context, shuttingDownError(), name);
      afterAnswer(context, undefined, name, services);
      return;
    }
    const accepted = accept(req, socket, head, context.replyState, (ws) => {
      socket.off('error', destroyOnError); // ws watches the socket from here on
      startSession(ws, socket, context, refusal); // step 4
    });
    // ws refused the handshake itself (and answered it), or the socket went: nothing to serve.
    if (!accepted) afterAnswer(context, undefined, name, services);
  }

  return function upgrade(req, socket, head, params, rawQuery) {
    const context = new ContextClass(req, params, rawQuery);
    const invalid = invalidParts(context);
    if (invalid !== null) {
      http.refuse(req, socket, context, invalid, name);
      return;
    }
    if (resolve === null) {
      handshake(req, socket, head, context, null);
      return;
    }
    // Step 2. This runs after an await: a throw must not become a rejection no one handles (it would end the process).
    const failed = (error: unknown): void => {
      log.error({ err: error, route: name }, `${name}: upgrade failed`);
      socket.destroy();
    };
    const handshakeOrFail = (refusal: WebSocketException | null): void => {
      try {
        handshake(req, socket, head, context, refusal);
      } catch (error) {
        failed(error);
      }
    };
    resolve(context, () => handshakeOrFail(null))
      .then(undefined, (error: unknown) => {
        // Browsers cannot read a refused handshake: a WebSocketException is accepted, then closed with its code.
        if (error instanceof WebSocketException) {
          handshakeOrFail(error);
          return;
        }
        http.refuse(req, socket, context, error, name);
        afterAnswer(context, error, name, services);
      })
      .catch(failed);
  };
}

/** The socket's settings for this route: its message decoder and serializer, its limits, and where its troubles are logged. */
function connectionSettings(route: WebSocketRouteDefinition, name: string, log: Logger, { schemas, validation }: WebSocketRouteServices): ConnectionSettings<unknown, unknown> {
  const { options } = route;
  return {
    decode: compileMessageDecoder(options.message, name, schemas, validation),
    serialize: compileSendSerializer(options.send, name),
    highWaterMark: options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
    maxQueued: MAX_QUEUED_MESSAGES,
    heartbeat: options.heartbeat === false ? 0 : (options.heartbeat ?? DEFAULT_HEARTBEAT),
    onRefused: (code, reason, detail) => log.debug({ route: name, code, reason, detail }, `${name}: closed with ${code} for a message it does not take`),
    onError: (error) => log.debug({ err: error, route: name }, `${name}: socket error: ${error.message}`),
    onFault: (error) => log.error({ err: error, route: name }, `${name}: failed while handling a frame; closing with 1011`),
  };
}
