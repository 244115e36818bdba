// The public API of loopwise: everything users import comes from here, and only from here.
export { App, type AppOptions, type ListenOptions, type Listening } from './app.js';
export { Router, type RouterOptions } from './router.js';
export { t, type Static, type TSchema } from './schema/t.js';
export { HTTPException, RequestValidationError, LoopwiseError, type LoopwiseErrorCode } from './errors.js';
export { HttpResponse, text, html, json, redirect, noContent, type ResponseInit } from './responses.js';
export { Reply, type CookieOptions } from './pipeline/reply.js';
export type { BodyMediaType, Context, Handler, HttpMethod, PathParams, RequestSnapshot, RouteOptions } from './route.js';
export { task, type Task, type TaskOptions } from './offload/task.js';
export type { OffloadOptions } from './offload/pool.js';
export type { LoopGuardOptions } from './guard/loop-guard.js';
export type { AppMetricsOptions } from './metrics/app-metrics.js';
export type { OpenApiOptions } from './openapi/openapi-options.js';
export type { OpenApiDocument } from './openapi/types.js';
export type { ValidationIssue, RequestPart } from './schema/validation-issue.js';
export type { InjectOptions, InjectResponse } from './testing/inject.js';
