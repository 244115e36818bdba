// The typed client alone, for code that must not load the server (a browser bundle):
// `import { createClient } from 'loopwise/client'` and `import type { app } from './server/app.js'`.
export { createClient, type ClientOptions, type HeaderValues } from './create-client.js';
export { ClientWebSocket, WebSocketHandshakeError, type WebSocketClose, type WebSocketConstructor } from './websocket-session.js';
export type {
  CallOptions,
  Client,
  ClientOf,
  ClientResponse,
  ClientResult,
  HTTPValidationError,
  Input,
  RoutesByPath,
  QueryValue,
  UndeclaredResult,
  UndeclaredStatus,
  WebSocketCallOptions,
  WebSocketReceiveOf,
  WebSocketSendOf,
  WebSocketSessionOf,
} from './client-types.js';
