// The public API of loopwise, `import … from 'loopwise'`. The typed client is exported here too,
// and has an entry of its own, `loopwise/client` (src/client/index.ts), for code that must not
// load the server (a browser bundle).
export { App } from './app.js';
export type { AppOptions } from './app-options.js';
export type { ListenOptions, Listening } from './server/http-server.js';
export { Router, type RouterOptions, type RoutesOf } from './router.js';
export { endpoint, type Endpoint } from './endpoint.js';
export { t, type Static, type TSchema } from './schema/t.js';
export { HTTPException, RequestValidationError, LoopwiseError, type LoopwiseErrorCode } from './errors.js';
export { HttpResponse, text, html, json, redirect, noContent, stream, type ResponseInit, type StreamBody } from './responses/http-response.js';
export type { Middleware } from './middleware/middleware.js';
export { Reply, type CookieOptions } from './pipeline/reply.js';
export type { ExceptionAnswer, ExceptionHandler, ExceptionResult } from './pipeline/handle-error.js';
export type { ExceptionContext } from './pipeline/exception-context.js';
export type { BodyMediaType, Context, Handler, HttpMethod, PathParams, RequestSnapshot, ResponseClass, RouteEntry, RouteOptions } from './route.js';
export { task, type Task, type TaskOptions } from './offload/task.js';
export type { OffloadOptions } from './offload/pool.js';
export type { LoopGuardOptions } from './guard/loop-guard.js';
export type { AppMetricsOptions } from './metrics/app-metrics.js';
export type { OpenApiOptions } from './openapi/openapi-options.js';
export type { OpenApiDocument } from './openapi/types.js';
export type { ValidationIssue, RequestPart } from './schema/validation-issue.js';
export type { InjectOptions, InjectResponse } from './testing/inject.js';
export type { BodyOptions, FormFields, FormValue, FileFields, TestFile } from './testing/request-body.js';
export type { TestClient, TestClientOptions, TestRequestOptions, WebSocketConnectOptions } from './testing/test-client.js';
export type { CookieJar } from './testing/cookie-jar.js';
export { WebSocketRefused, type WebSocketSession, type WebSocketClose } from './testing/websocket-session.js';
export type { StreamResponse } from './testing/stream-response.js';
export { dependency, type Dependency, type DependencyContext, type DependencyOptions, type AppState } from './deps/dependency.js';
export { BackgroundTasks } from './deps/background-tasks.js';
export type { DependencyOverrides } from './deps/overrides.js';
export type { LifespanFunction, LifecycleHook } from './lifespan.js';
export { httpBearer, httpBasic, type HttpAuthorizationCredentials, type HttpBasicCredentials } from './security/http.js';
export { apiKeyHeader, apiKeyQuery, apiKeyCookie } from './security/api-key.js';
export { oauth2PasswordBearer, OAuth2PasswordRequestForm, oauth2PasswordForm } from './security/oauth2.js';
export { cors, type CorsOptions, type CorsOrigin } from './middleware/cors.js';
export { compression, type CompressionOptions } from './middleware/compression.js';
export { trustedHost, type TrustedHostOptions } from './middleware/trusted-host.js';
export { requestId, type RequestIdOptions } from './middleware/request-id.js';
export { requestIdOf } from './pipeline/request-id.js';
export { securityHeaders, DEFAULT_CSP, type SecurityHeadersOptions, type CspDirectives, type StrictTransportSecurityOptions } from './middleware/security-headers.js';
export { sse, formatSseEvent, type SseEvent, type SseMessage, type SseSource, type SseOptions } from './responses/sse.js';
export { file, type FileOptions } from './responses/file.js';
export { staticFiles, type StaticFilesOptions } from './middleware/static-files.js';
export { UploadFile, type UploadFileInit } from './forms/upload-file.js';
export { upload, type TUploadFile, type UploadSchemaOptions } from './forms/upload-schema.js';
export type { MultipartOptions } from './forms/multipart-options.js';
export type { WebSocketConnection } from './ws/typed-socket.js';
export { WebSocketException, WebSocketDisconnect } from './ws/errors.js';
export { CloseCode } from './ws/close-codes.js';
export type { WebSocketRouteOptions, WebSocketContext, WebSocketHandler, WebSocketMethod, IncomingOf, OutgoingOf } from './ws/ws-route.js';
export {
  createClient,
  type ClientOptions,
  type CallOptions,
  type Client,
  type ClientOf,
  type ClientResponse,
  type ClientResult,
  type HTTPValidationError,
  type UndeclaredStatus,
  ClientWebSocket,
  WebSocketHandshakeError,
  type WebSocketCallOptions,
} from './client/index.js';
export { redis, type RedisConfig } from './redis/redis-config.js';
export type { TrustProxy } from './proxy/proxy-options.js';
export { rateLimit, closeRateLimit, type RateLimitInfo, type RateLimitOptions, clientKey } from './ratelimit/index.js';
export { bullmq, type BullmqConfig, type BullmqOptions, type QueueOffload } from './queue/bullmq-config.js';
export { durableTask, type DurableTask, type DurableTaskOptions, type EnqueueOptions } from './queue/durable-task.js';
export type { JobInfo } from './queue/job-producer.js';
export { Channel, type ChannelOptions, type ChannelMessage } from './channels/channel.js';
export type { Subscription, SubscribeOptions } from './channels/subscription.js';
