import { createServer, ServerResponse, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { HTTPException, LoopwiseError } from './errors.js';
import { LoopGuard, guardSettings, type LoopGuardOptions } from './guard/loop-guard.js';
import { AppMetrics, type AppMetricsOptions } from './metrics/app-metrics.js';
import { HttpResponse, text } from './responses.js';
import { createLogger, exitAfterFlush, type LoggerSetting } from './logger.js';
import { runtimeEnv } from './runtime-env.js';
import { validationLimits, type ValidationLimitOptions, type ValidationLimits } from './schema/validation-limits.js';
import { withAccessLog } from './pipeline/access-log.js';
import { OffloadPool, poolSettings, workerSetup, type OffloadOptions, type PoolSettings } from './offload/pool.js';
import { callerModuleUrl, toFileUrl } from './offload/module-url.js';
import { offloadRegistry, registerApp } from './offload/registry.js';
import { compileOffloadRunner } from './offload/run-offloaded.js';
import type { WorkerRoutes } from './offload/worker.js';
import { buildOpenApiDocument } from './openapi/document.js';
import { docsPageRoutes } from './openapi/docs-pages.js';
import { openApiSettings, type OpenApiOptions, type OpenApiSettings } from './openapi/openapi-options.js';
import type { OpenApiDocument } from './openapi/types.js';
import { compileRoute } from './pipeline/compile-route.js';
import { compileRunner, type Runner } from './pipeline/run-handler.js';
import { createDispatcher, type CompiledTable } from './pipeline/dispatch.js';
import { ErrorResponder, type ErrorClass, type ExceptionHandler } from './pipeline/handle-error.js';
import { clientErrorHandler } from './pipeline/client-error.js';
import { connectRefuser, withProtocolCheck } from './pipeline/protocol-check.js';
import { continueWhenRead } from './pipeline/expect-continue.js';
import { sendTimeoutHandler } from './pipeline/send-timeout.js';
import { httpServerOptions, serverLimits, type ServerLimitOptions, type ServerLimits } from './server-options.js';
import { withRequestLog, type RequestContext, type RequestContextClass } from './pipeline/context.js';
import type { Handler, HttpMethod, RouteDefinition, RouteEntries, RouteOptions, WithRouterOffload } from './route.js';
import type { MultipartOptions } from './forms/multipart-options.js';
import { BackgroundRunner } from './deps/background-tasks.js';
import type { AppState, Dependency } from './deps/dependency.js';
import { assertNoCycle, withDependencyParts } from './deps/dependency-graph.js';
import { DependencyOverrides } from './deps/overrides.js';
import type { DependencyRuntime } from './deps/request-scope.js';
import { Lifespan, type LifespanFunction, type LifecycleHook } from './lifespan.js';
import { withMiddleware, type Middleware } from './middleware/middleware.js';
import { mountRoutes } from './middleware/mount.js';
import { Router, type AnyRouter, type NormalizePrefix, type Prefixed, type ChainTo, type RouteMethod, type RouterOptions, type RoutesOf } from './router.js';
import { inject, type InjectOptions, type InjectResponse } from './testing/inject.js';
import { WebSocketRoutes } from './ws/upgrade.js';
import type { WebSocketRouteDefinition } from './ws/ws-route.js';

export interface AppOptions extends ServerLimitOptions {
  /** Shown in the OpenAPI document and docs pages. */
  title?: string;
  version?: string;
  description?: string;
  /**
   * The app's pino logger (docs/logging.md): `true` (default) writes JSON lines to stdout at
   * LOG_LEVEL (default `info`), pretty lines in dev mode (LOOPWISE_DEV=1) or with
   * LOOPWISE_LOG_FORMAT=pretty; `false` is silent; or pino options (`{ level: 'debug' }`) or a
   * pino instance of your own, used as given.
   */
  logger?: LoggerSetting;
  /**
   * One `info` line per request once its response is finished (or its connection closed first):
   * method, path without the query string, route (`GET /items/:id`), status, duration in ms, request id
   * (docs/logging.md). Default off, as the hot path is then untouched; on with
   * LOOPWISE_ACCESS_LOG=1 (set by `loopwise run`) or in dev mode (LOOPWISE_DEV=1).
   */
  accessLog?: boolean;
  /** Largest request body in bytes; larger ones get 413. Default 1 MiB. Multipart bodies have `multipart.maxBodySize` instead. */
  bodyLimit?: number;
  /** Limits and storage for `multipart/form-data` bodies (file uploads), for every route; a route's own `multipart` wins. See docs/forms.md. */
  multipart?: MultipartOptions;
  /**
   * How much a 422 says, per request part: at most `maxIssues` issues (default 100), then one
   * `too_many_errors` entry; each `input` cut to about `maxInputLength` characters (default 256).
   * See docs/errors.md.
   */
  validation?: ValidationLimitOptions;
  /** Longest path parameter in characters; longer ones get 414. Default 100 (as Fastify). */
  maxParamLength?: number;
  /** How long `close()` waits for in-flight requests before cutting connections, in ms. Default 10 s. */
  closeTimeout?: number;
  /** Offload every route (that does not say otherwise) to the worker pool, as a Router's `offload`. */
  offload?: boolean;
  /**
   * Default per-route timeout in ms (504 past it). Without one, inline routes have none and
   * offloaded routes get 30 s, since a stuck worker holds a pool slot (see docs/offload.md).
   */
  timeout?: number;
  /** The worker pool for `offload: true` routes and task()s: threads, queue, idle timeout. */
  pool?: OffloadOptions;
  /**
   * The module worker threads import to find these routes: pass `import.meta.url`. Default: the
   * module that called `new App()`, which is right unless the App is built by a helper elsewhere.
   */
  module?: string;
  /** The loop guard: stall attribution, load shedding, Server-Timing (docs/loop-guard.md). On by default. */
  guard?: LoopGuardOptions;
  /**
   * Adds `GET /health` (liveness: 200 while the process serves) and `GET /ready` (readiness: 503
   * while shedding load or shutting down). Both answer even while the server sheds. Default false.
   */
  health?: boolean;
  /**
   * Adds `GET /metrics` in Prometheus text format: requests and latency per route, event-loop
   * delay and utilization, blocked time per route, the offload pool, shed requests, process
   * metrics. `true` or prom-client options (`prefix`, `defaultMetrics`). Default false; true in
   * dev mode (LOOPWISE_DEV=1).
   */
  metrics?: boolean | AppMetricsOptions;
  /**
   * The OpenAPI 3.1 document at `/openapi.json`, Swagger UI at `/docs` and ReDoc at `/redoc`, all
   * served from installed packages (no CDN). Paths, servers, tag descriptions; `false` turns all off.
   */
  openapi?: OpenApiOptions | false;
  /** Dependencies run before every route's handler, for their effect (FastAPI's app-level `dependencies`). */
  dependencies?: Dependency<unknown>[];
  /**
   * Startup and shutdown in one function (FastAPI's `lifespan`): a generator that sets things up,
   * yields what goes in `app.state` (or nothing), and tears down after the yield when the app closes.
   * Runs before the first request; its failure makes `listen()` fail.
   */
  lifespan?: LifespanFunction;
}

export interface ListenOptions {
  /** Default 8000, as uvicorn. 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1; use 0.0.0.0 to accept connections from other machines. */
  host?: string;
  /** Close gracefully on SIGTERM and SIGINT, then exit. Default true. */
  handleSignals?: boolean;
}

export interface Listening {
  url: string;
  host: string;
  port: number;
}

/** @internal A route the app adds itself, and what for; `docs-asset` is a file a docs page loads. */
export interface BuiltInRoute {
  kind: 'health' | 'metrics' | 'openapi' | 'docs' | 'docs-asset';
  route: RouteDefinition;
}

/** @internal Every route an app serves, as `ready()` would compile it, for `loopwise routes`. */
export interface ServedRoutes {
  /** Its own routes and its routers', with prefixes, defaults and dependencies' parts applied. */
  routes: RouteDefinition[];
  builtIn: BuiltInRoute[];
  websockets: readonly WebSocketRouteDefinition[];
  /** Mounted handlers under their prefixes; `app` when the handler is a loopwise App. */
  mounts: { prefix: string; app: App<boolean> | null }[];
}

/**
 * @internal Set by `loopwise run` and `loopwise dev` while they own the server: a listen() the app
 * module makes itself (at top level, say) then opens no second server and resolves with this
 * address instead. Process-wide, as the CLI serves one app per process.
 */
export const cliServer: { address: Listening | null } = { address: null };

/** An App's route methods return the App, typed with the route added (see RouteMethod in router.ts). */
export interface AppChain<Offload extends boolean, Routes> extends ChainTo {
  chained: App<Offload, Routes | this['added']>;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_MAX_PARAM_LENGTH = 100;
export const DEFAULT_CLOSE_TIMEOUT = 10_000;
export const DEFAULT_OFFLOAD_TIMEOUT = 30_000;

/**
 * The application: its routes (it is the root Router), its error handlers, its server. `Routes`
 * is the routes added by chained calls, for `createClient<typeof app>` (docs/client.md).
 */
export class App<Offload extends boolean = false, Routes = never> extends Router<Offload, Routes, ''> {
  // The route methods return the App (not a Router) typed with the new route: the same functions
  // as the Router's, typed again here since a subclass cannot re-parameterize `this`.
  declare readonly get: RouteMethod<'GET', Offload, AppChain<Offload, Routes>>;
  declare readonly post: RouteMethod<'POST', Offload, AppChain<Offload, Routes>>;
  declare readonly put: RouteMethod<'PUT', Offload, AppChain<Offload, Routes>>;
  declare readonly patch: RouteMethod<'PATCH', Offload, AppChain<Offload, Routes>>;
  declare readonly delete: RouteMethod<'DELETE', Offload, AppChain<Offload, Routes>>;
  declare readonly head: RouteMethod<'HEAD', Offload, AppChain<Offload, Routes>>;
  declare readonly options: RouteMethod<'OPTIONS', Offload, AppChain<Offload, Routes>>;

  readonly title: string;
  readonly version: string;
  readonly description: string | undefined;
  readonly log: Logger;
  server: Server | null = null;
  /** Whether each request logs an access line (option, else LOOPWISE_ACCESS_LOG, else dev mode). */
  readonly accessLog: boolean;

  private readonly settings: Required<Pick<AppOptions, 'bodyLimit' | 'maxParamLength' | 'closeTimeout'>> & Pick<AppOptions, 'multipart'> & { validation: ValidationLimits };
  /** Timeouts and the header size limit of the server listen() opens (src/server-options.ts). */
  private readonly limits: ServerLimits;
  private readonly errors: ErrorResponder;
  private listener: RequestListener | null = null;
  /** The listener without the access log: what a parent App mounting this one calls (it logs the request itself). */
  private unlogged: RequestListener | null = null;
  /** The logger writes through pino-pretty: access lines are then the message alone. */
  private readonly prettyLog: boolean;
  /** RequestContext with `log` bound to this App's logger (src/pipeline/context.ts). */
  private readonly Context: RequestContextClass;
  private closing: Promise<void> | null = null;
  private removeSignalHandlers: (() => void) | null = null;
  /** The server's open connections, so close() can reach the requests in flight on them. */
  private connections = new Set<Socket>();
  /** Where worker threads find this App: its module's file URL and which App of that module it is. */
  private readonly module: string | null;
  private readonly ordinal: number;
  private readonly poolSettings: PoolSettings;
  private pool: OffloadPool | null = null;
  /** Measures the event loop, names the routes that block it, and says when to shed load. */
  readonly guard: LoopGuard;
  private readonly health: boolean;
  /** The app's Prometheus registry and series, when `metrics` is on. */
  readonly metrics: AppMetrics | null;
  private readonly openApi: OpenApiSettings;
  /** What lifespan and startup hooks set up, for dependencies (`state`) and handlers. */
  readonly state: AppState = {};
  /** Replacements for dependencies, e.g. in tests: `app.dependencyOverrides.set(getDb, testDb)`. */
  readonly dependencyOverrides = new DependencyOverrides();
  private readonly lifespan: Lifespan;
  private readonly middlewares: Middleware[] = [];
  private readonly mounts: { prefix: string; target: RequestListener; app?: App<boolean> }[] = [];
  /** Background tasks and dependency cleanups still running after their responses. */
  private readonly background: BackgroundRunner;
  private document: OpenApiDocument | null = null;
  /** WebSocket routes (`app.ws()`, and its routers') and their open sockets (src/ws/). */
  private readonly websockets = new WebSocketRoutes(() => this.webSocketRoutes());

  constructor(options: AppOptions & { offload?: Offload } = {}) {
    super({ offload: options.offload, timeout: options.timeout, dependencies: options.dependencies });
    this.title = options.title ?? 'loopwise';
    this.version = options.version ?? '0.1.0';
    this.description = options.description;
    // The environment, read once (src/runtime-env.ts): dev-mode and access-log defaults, log format and level.
    const env = runtimeEnv();
    const logger = createLogger(options.logger, env);
    this.log = logger.log;
    this.prettyLog = logger.pretty;
    this.accessLog = options.accessLog ?? env.accessLog ?? env.dev;
    this.Context = withRequestLog(this.log);
    this.settings = {
      bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
      maxParamLength: options.maxParamLength ?? DEFAULT_MAX_PARAM_LENGTH,
      closeTimeout: options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT,
      multipart: options.multipart,
      validation: validationLimits(options.validation),
    };
    this.limits = serverLimits(options);
    this.errors = new ErrorResponder(this.log);
    this.background = new BackgroundRunner(this.log);
    this.lifespan = new Lifespan(this, options.lifespan, this.log);
    this.guard = new LoopGuard(guardSettings(options.guard, env.development), this.log);
    this.health = options.health === true;
    // Dev mode serves /metrics, for the dev banner's link; an explicit `metrics: false` wins.
    const metrics = options.metrics ?? env.dev;
    this.metrics = metrics === false ? null : this.createMetrics(metrics === true ? {} : metrics);
    this.openApi = openApiSettings(options.openapi);
    this.poolSettings = poolSettings(options.pool ?? {});
    this.module = options.module === undefined ? callerModuleUrl() : toFileUrl(options.module);
    if (options.module !== undefined && this.module === null) {
      throw new LoopwiseError('LW_ERR_INVALID_OPTION', `module must be the app module's file URL (import.meta.url), not ${JSON.stringify(options.module)}.`);
    }
    this.ordinal = this.module === null ? 0 : registerApp(this.module, this);
  }

  override route<M extends HttpMethod, const P extends string, const O extends RouteOptions>(
    methods: M | M[],
    path: P,
    options: O,
    handler: Handler<P, WithRouterOffload<Offload, O>>,
  ): App<Offload, Routes | RouteEntries<M, P, O>> {
    super.route(methods, path, options, handler);
    return this as never;
  }

  override include<R extends AnyRouter, const IncludePrefix extends string = ''>(
    router: R,
    options: RouterOptions & { prefix?: IncludePrefix } = {},
  ): App<Offload, Routes | Prefixed<RoutesOf<R>, NormalizePrefix<IncludePrefix>>> {
    super.include(router, options);
    return this as never;
  }

  /**
   * Answers errors of a class (and its subclasses), or every error answered with a status, your
   * way. Return an HttpResponse (e.g. `json(...)`) or a value sent as JSON with the error's status.
   */
  exceptionHandler<E>(key: ErrorClass<E> | number, handler: (error: E, context: RequestContext) => unknown): void {
    this.assertNotFrozen('add an exception handler');
    this.errors.register(key, handler as ExceptionHandler);
  }

  /**
   * Adds middleware: code that runs around every request, in the order added, before routing
   * (CORS, compression, request ids…). See docs/middleware.md.
   */
  use(middleware: Middleware): this {
    this.assertNotFrozen('add middleware');
    if (typeof middleware !== 'function') throw new LoopwiseError('LW_ERR_INVALID_OPTION', 'use() needs a middleware function (req, res, next).');
    this.middlewares.push(middleware);
    return this;
  }

  /**
   * Serves another App, or any Node `(req, res)` handler (an Express app, a static file server…),
   * under a path prefix; it sees the URL without the prefix. A Router is included instead.
   */
  mount(prefix: string, target: App<boolean, any> | AnyRouter | RequestListener): this {
    this.assertNotFrozen(`mount ${prefix}`);
    if (typeof prefix !== 'string' || !prefix.startsWith('/') || prefix === '/' || prefix.endsWith('/') || /[:*]/.test(prefix)) {
      throw new LoopwiseError('LW_ERR_INVALID_OPTION', `mount() takes a prefix such as "/legacy" (starting with "/", no trailing "/", no parameters), not ${JSON.stringify(prefix)}.`);
    }
    // The outer App logs the request (when its access log is on): the mounted one's own line would be a second.
    if (target instanceof App) this.mounts.push({ prefix, target: (req, res) => target.unloggedHandler(req, res), app: target });
    else if (target instanceof Router) this.include(target, { prefix });
    else if (typeof target === 'function') this.mounts.push({ prefix, target });
    else throw new LoopwiseError('LW_ERR_INVALID_OPTION', 'mount() takes an App, a Router or a (req, res) handler.');
    return this;
  }

  /** Runs at startup, after the lifespan's setup, in order; a failure stops `listen()`. */
  onStartup(hook: LifecycleHook): void {
    this.assertNotFrozen('add a startup hook');
    this.lifespan.onStartup(hook);
  }

  /** Runs when the app closes, after in-flight requests and background tasks, in order. */
  onShutdown(hook: LifecycleHook): void {
    this.lifespan.onShutdown(hook);
  }

  /** Compiles every route (validators, serializers, router) once. Called by listen() and inject(). */
  ready(): this {
    if (this.listener !== null) return this;
    const runtime = { bodyLimit: this.settings.bodyLimit, errors: this.errors, serverTiming: this.guard.settings.serverTiming, multipart: this.settings.multipart, Context: this.Context, validation: this.settings.validation };
    const table: CompiledTable[] = [];
    const seen = new Map<string, string>();
    const definitions = this.routes().map((route) => withDependencyParts(route, this.dependencyOverrides));
    for (const route of definitions) assertNoCycle(route, this.dependencyOverrides);
    const pool = this.offloadPool(definitions);
    const alwaysServe = new Set<RouteDefinition>();
    // The document is built here, from the app's own routes, so a mistake in it stops startup.
    if (this.openApi.path !== false) this.document = this.buildDocument(definitions);
    // Built-in routes answer even while the server sheds load: health checks and scrapes must get through.
    for (const { route } of this.builtInRoutes()) {
      definitions.push(route);
      alwaysServe.add(route);
    }
    for (const route of definitions) {
      const key = routeKey(route.method, route.path);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        throw new LoopwiseError(
          'LW_ERR_DUPLICATE_ROUTE',
          `${route.method} ${route.path} matches the same requests as ${earlier}; remove one, or give them different paths.`,
        );
      }
      seen.set(key, `${route.method} ${route.path}`);
      const handler = compileRoute(route, runtime, this.runnerFor(route, pool));
      table.push({ method: route.method, path: route.path, name: `${route.method} ${route.path}`, handler, alwaysServe: alwaysServe.has(route) });
    }
    // HEAD is answered for every GET route that has no HEAD of its own: same handler, no body.
    for (const route of table) {
      if (route.method === 'GET' && !seen.has(routeKey('HEAD', route.path))) table.push({ ...route, method: 'HEAD' });
    }
    try {
      const guard = this.guard.settings.enabled ? this.guard : null;
      const metrics = this.metrics;
      const observe = metrics === null ? null : metrics.requestDone.bind(metrics);
      for (const mount of this.mounts) table.push(...mountRoutes(mount.prefix, mount.target, this.errors));
      // A silent logger (logger: false) would drop every access line: then the listener stays as it is.
      const accessLog = this.accessLog && this.log.level !== 'silent';
      const dispatch = createDispatcher(table, { maxParamLength: this.settings.maxParamLength, errors: this.errors, guard, observe, recordRoute: accessLog });
      // No middleware and no access log: the dispatcher is the listener, and the hot path is as it was.
      this.unlogged = withMiddleware(this.middlewares, dispatch, this.errors);
      this.listener = accessLog ? withAccessLog(this.unlogged, this.log, { pretty: this.prettyLog }) : this.unlogged;
    } catch (error) {
      throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `the router rejected a route: ${(error as Error).message}`, { cause: error });
    }
    this.freeze();
    this.log.debug({ routes: definitions.map((r) => `${r.method} ${r.path}`) }, 'routes compiled');
    return this;
  }

  /**
   * The app's OpenAPI 3.1 document (FastAPI's `app.openapi()`), built from its routes. Once the
   * app has started it is built once and kept; change the returned object to customise what
   * `/openapi.json` serves.
   */
  openapi(): OpenApiDocument {
    return this.document ?? this.buildDocument(this.routes().map((route) => withDependencyParts(route)));
  }

  private buildDocument(routes: RouteDefinition[]): OpenApiDocument {
    const { title, version, description } = this;
    return buildOpenApiDocument(routes, {
      info: { title, version, ...(description !== undefined ? { description } : {}), ...this.openApi.info },
      servers: this.openApi.servers,
      tags: this.openApi.tags,
    });
  }

  /**
   * @internal For `loopwise routes`: what the app serves (its routes, the built-in ones, its
   * WebSocket routes and mounts), without compiling or starting anything.
   */
  servedRoutes(): ServedRoutes {
    return {
      routes: this.routes().map((route) => withDependencyParts(route, this.dependencyOverrides)),
      builtIn: this.builtInRoutes(),
      websockets: this.websockets.routes,
      mounts: this.mounts.map(({ prefix, app }) => ({ prefix, app: app ?? null })),
    };
  }

  /** Health checks, `/metrics`, `/openapi.json` (it serves `this.document`, built by ready()) and the docs pages. */
  private builtInRoutes(): BuiltInRoute[] {
    const builtIn: BuiltInRoute[] = [];
    if (this.health) for (const route of this.healthRoutes()) builtIn.push({ kind: 'health', route });
    if (this.metrics !== null) builtIn.push({ kind: 'metrics', route: this.metricsRoute(this.metrics) });
    const { path, docs, redoc, swaggerUi } = this.openApi;
    if (path === false) return builtIn;
    // Serialized on first request, after users had their chance to change the object.
    let body: string | null = null;
    const serve = () => {
      body ??= JSON.stringify(this.document);
      return new HttpResponse(body, { headers: { 'content-type': 'application/json; charset=utf-8' } });
    };
    builtIn.push({ kind: 'openapi', route: { method: 'GET', path, options: { hidden: true }, handler: serve } });
    for (const route of docsPageRoutes({ title: this.title, openapiUrl: path, docs, redoc, swaggerUi })) {
      // The pages, and the scripts, styles and icon they load.
      const asset = route.path !== docs && route.path !== redoc && /\.[a-z0-9]+$/i.test(route.path);
      builtIn.push({ kind: asset ? 'docs-asset' : 'docs', route });
    }
    return builtIn;
  }

  /** The pool for offloaded routes, created once; none in a worker thread, where every route runs inline. */
  private offloadPool(definitions: RouteDefinition[]): OffloadPool | null {
    if (this.pool !== null || offloadRegistry().inWorker || !definitions.some((route) => route.options.offload === true)) return this.pool;
    if (this.module === null) {
      throw new LoopwiseError(
        'LW_ERR_OFFLOAD_MODULE',
        'this App has offload: true routes, but loopwise cannot tell which module defines it (it was not created in a module file). Pass module: import.meta.url to new App().',
      );
    }
    this.pool = new OffloadPool(this.poolSettings, workerSetup(this.module, this.ordinal), this.log);
    this.pool.onFull = () => this.guard.noteShed('queue');
    offloadRegistry().taskPool = this.pool;
    return this.pool;
  }

  private runnerFor(route: RouteDefinition, pool: OffloadPool | null): Runner {
    if (route.options.offload === true && pool !== null) {
      return compileOffloadRunner(route, {
        pool,
        errors: this.errors,
        guard: this.guard,
        timeout: route.options.timeout ?? DEFAULT_OFFLOAD_TIMEOUT,
      });
    }
    return compileRunner(route, { ...this.runnerServices(), timeout: route.options.timeout, guard: this.guard });
  }

  private runnerServices(): { errors: ErrorResponder; log: Logger; dependencies: DependencyRuntime; background: BackgroundRunner } {
    return {
      errors: this.errors,
      log: this.log,
      dependencies: { state: this.state, overrides: this.dependencyOverrides, log: this.log },
      background: this.background,
    };
  }

  private createMetrics(options: AppMetricsOptions): AppMetrics {
    const metrics = new AppMetrics(options);
    this.guard.events.blocked = (route, ms) => metrics.blocked(route, ms);
    this.guard.events.shed = (reason) => metrics.shed(reason);
    metrics.watchLoop(() => this.guard.loop);
    metrics.watchPool(() => this.pool?.gauge() ?? null);
    return metrics;
  }

  private metricsRoute(metrics: AppMetrics): RouteDefinition {
    const handler = async () => {
      const { contentType, body } = await metrics.render();
      return text(body, { headers: { 'content-type': contentType } });
    };
    return { method: 'GET', path: '/metrics', options: {}, handler };
  }

  /** Liveness says the process answers; readiness also says it wants traffic now. */
  private healthRoutes(): RouteDefinition[] {
    const ready = (): unknown => {
      const reason = this.closing !== null ? 'shutting down' : this.guard.shedding ? 'shedding load' : null;
      if (reason !== null) throw new HTTPException(503, `Service Unavailable: not ready (${reason})`, { 'retry-after': '1' });
      return { status: 'ready' };
    };
    return [
      { method: 'GET', path: '/health', options: {}, handler: () => ({ status: 'ok' }) },
      { method: 'GET', path: '/ready', options: {}, handler: ready },
    ];
  }

  /**
   * @internal For loopwise's worker threads: this App's offloaded routes, compiled to run inline
   * (the main thread already validated the request and enforces the timeout).
   */
  async forWorker(): Promise<WorkerRoutes> {
    const runners = new Map<string, Runner>();
    for (const route of this.routes()) {
      if (route.options.offload !== true) continue;
      runners.set(`${route.method} ${route.path}`, compileRunner(route, { ...this.runnerServices(), timeout: undefined }));
    }
    this.freeze();
    // Each worker thread has its own module state, so its own lifespan: its dependencies read its state.
    await this.lifespan.start();
    return { runners, Context: this.Context };
  }

  /** @internal For the loopwise CLI: how long close() may take, and the pages a dev banner names. */
  serveInfo(): { closeTimeout: number; docs: string | false; metrics: boolean } {
    return { closeTimeout: this.settings.closeTimeout, docs: this.openApi.docs, metrics: this.metrics !== null };
  }

  /** The compiled request listener, for `http.createServer(app.handler)` or any Node server. */
  get handler(): RequestListener {
    return this.ready().listener!;
  }

  /** @internal The listener without this App's access log, for a parent App that mounts it. */
  get unloggedHandler(): RequestListener {
    return this.ready().unlogged!;
  }

  /** Sends a request through the whole pipeline without a socket (FastAPI's TestClient). */
  async inject(options: InjectOptions | string): Promise<InjectResponse> {
    const handler = this.handler;
    await this.lifespan.start();
    await this.pool?.warmUp();
    return inject(handler, options);
  }

  /**
   * Serves the app. In a loopwise worker thread (which imports the app module to find its routes)
   * it does nothing and resolves at once, so a module that calls listen() at top level still loads;
   * under `loopwise run`/`dev` it resolves with the address the CLI serves the app on.
   */
  async listen(options: ListenOptions = {}): Promise<Listening> {
    if (offloadRegistry().inWorker) return { url: '', host: '', port: 0 };
    if (cliServer.address !== null) {
      this.log.debug({ url: cliServer.address.url }, 'the loopwise CLI serves this app: the module\'s own listen() opens no server');
      return { ...cliServer.address };
    }
    if (this.server !== null) throw new LoopwiseError('LW_ERR_ALREADY_LISTENING', 'this app is already listening; call close() first.');
    const handler = this.handler;
    // Before the port opens: no request arrives before the app is set up.
    try {
      await this.lifespan.start();
    } catch (error) {
      await this.closePool();
      throw error;
    }
    // Timeouts and size limits are server options; the protocol check and the two listeners only
    // run for requests Node's parser refuses or HTTP/1.1 does not serve (src/pipeline/client-error.ts).
    const listener = withProtocolCheck(handler, this.errors);
    const server = createServer(httpServerOptions(this.limits), listener);
    server.on('clientError', clientErrorHandler(this.limits, this.log));
    // `Expect: 100-continue`: the 100 goes out when the body is read, after the route's limit
    // check, not before every such request as Node would (src/pipeline/expect-continue.ts).
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      continueWhenRead(req, res);
      listener(req, res);
    });
    // A client that stops reading its response is cut after sendTimeout (src/pipeline/send-timeout.ts).
    if (this.limits.sendTimeout > 0) {
      server.timeout = this.limits.sendTimeout;
      server.on('timeout', sendTimeoutHandler);
    }
    server.on('connect', connectRefuser(server));
    const connections = (this.connections = new Set<Socket>());
    server.on('connection', (socket: Socket) => {
      connections.add(socket);
      socket.once('close', () => connections.delete(socket));
    });
    // WebSockets: upgrade requests go to the app.ws() routes (src/ws/upgrade.ts); no listener when there are none.
    this.websockets.attach(server, { ...this.runnerServices(), guard: this.guard, appDependencies: this.dependencies, maxParamLength: this.settings.maxParamLength, validation: this.settings.validation });
    this.server = server;
    const host = options.host ?? '127.0.0.1';
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 8000, host, () => {
          server.removeListener('error', reject);
          resolve();
        });
      });
    } catch (error) {
      this.server = null; // e.g. EADDRINUSE: the app stays free to listen elsewhere
      throw error;
    }
    // The worker threads load the app module once the port is open, not before: an inline route
    // answers at once, an offloaded request that comes first waits for its thread. A worker that
    // cannot load the app module still fails listen(), at startup, not on a request.
    if (this.pool !== null) {
      offloadRegistry().taskPool = this.pool; // task()s run on this App's pool while it serves
      try {
        await this.pool.warmUp();
      } catch (error) {
        this.server = null;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        throw error;
      }
    }
    this.guard.start();
    const port = (server.address() as AddressInfo).port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    if (options.handleSignals !== false) this.handleSignals();
    this.log.info({ url }, `${this.title} listening on ${url}`);
    return { url, host, port };
  }

  /**
   * Stops accepting connections, lets in-flight requests finish (up to `closeTimeout`), then
   * cuts what is left and resolves. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    return (this.closing ??= this.shutDown());
  }

  private async shutDown(): Promise<void> {
    this.removeSignalHandlers?.();
    try {
      await this.websockets.close(); // WebSockets first: 1001 to every open socket, so none holds the server open
      await this.closeServer();
      // Responses are out; what runs after them (background tasks, cleanups) gets the rest of the time.
      if (!(await this.background.drain(this.settings.closeTimeout))) {
        this.log.warn({ pending: this.background.size }, `background tasks still running after ${this.settings.closeTimeout} ms; closing without them`);
      }
      await this.lifespan.stop();
    } finally {
      await this.guard.stop();
      await this.closePool();
      this.closing = null; // the next listen() gets a close() of its own
    }
  }

  /** Worker threads go after the server: in-flight offloaded requests finish first. */
  private async closePool(): Promise<void> {
    const pool = this.pool;
    if (pool === null) return;
    if (offloadRegistry().taskPool === pool) offloadRegistry().taskPool = null;
    await pool.destroy();
  }

  private async closeServer(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // The listening socket is closed by now: a new connection is refused from here on.
    this.log.info('stopped accepting connections; waiting for in-flight requests');
    // Answers from now on say `Connection: close` and the connection closes after them: a
    // keep-alive client then opens a new connection (refused) for its next request, instead of
    // sending it on a connection the server is about to close (ECONNRESET, the request lost).
    // In flight: the request a connection is answering, if its headers have not gone yet. (Node
    // keeps it on the socket as `_httpMessage`, as its own closeIdleConnections() reads it; where a
    // Node lacks it, those answers keep their keep-alive and the sweep below closes them after.)
    for (const socket of this.connections) {
      const res = (socket as Socket & { _httpMessage?: unknown })._httpMessage;
      if (res instanceof ServerResponse && !res.headersSent) res.shouldKeepAlive = false;
    }
    // Still to come: requests that reach an open keep-alive connection while we close.
    server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      res.shouldKeepAlive = false;
    });
    // Keep-alive sockets become idle as their responses finish: close them as they do.
    const sweep = setInterval(() => server.closeIdleConnections(), 25);
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, this.settings.closeTimeout, 'timeout')));
    const outcome = await Promise.race([closed, timedOut]);
    clearInterval(sweep);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.log.warn(`requests still running after ${this.settings.closeTimeout} ms; closing their connections`);
      server.closeAllConnections();
      await closed;
    }
    this.server = null;
    this.log.info('server closed');
  }

  private handleSignals(): void {
    const onSignal = (signal: NodeJS.Signals): void => {
      this.log.info({ signal }, `${signal} received: finishing in-flight requests, then exiting`);
      this.close().then(
        () => exitAfterFlush(this.log, 0),
        (error: unknown) => {
          this.log.error({ err: error }, 'graceful close failed');
          return exitAfterFlush(this.log, 1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    this.removeSignalHandlers = () => {
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
    };
  }

}

/** Parameter names do not change what a path matches: "/items/:id" and "/items/:name" collide. */
function routeKey(method: string, path: string): string {
  return `${method} ${path.replace(/:[^/(.-]+/g, ':')}`;
}
