import type { RequestListener, Server } from 'node:http';
import type { Logger } from 'pino';
import { LoopwiseError } from './errors.js';
import { LoopGuard, guardSettings } from './guard/loop-guard.js';
import { AppMetrics, type AppMetricsOptions } from './metrics/app-metrics.js';
import { createLogger } from './logger.js';
import { runtimeEnv } from './runtime-env.js';
import { withAccessLog } from './pipeline/access-log.js';
import { poolSettings } from './offload/pool.js';
import { AppPool } from './offload/app-pool.js';
import { offloadRegistry, registerApp } from './offload/registry.js';
import type { WorkerRoutes } from './offload/worker.js';
import { AppQueues } from './queue/app-queues.js';
import { durableQueues, useJobsQueue } from './queue/durable-task.js';
import { closeJobProducers } from './queue/job-producer.js';
import { watchQueueDepth } from './queue/queue-depth.js';
import { isQueueOffload, queueKey, type BullmqConfig } from './queue/bullmq-config.js';
import type { OffloadPool } from './offload/pool.js';
import { openApiSettings, type OpenApiSettings } from './openapi/openapi-options.js';
import type { OpenApiDocument } from './openapi/types.js';
import { createDispatcher } from './pipeline/dispatch.js';
import { ErrorResponder, type ErrorClass, type ExceptionAnswer, type ExceptionHandler } from './pipeline/handle-error.js';
import type { ExceptionContext } from './pipeline/exception-context.js';
import { withRequestLog, type RequestContextClass } from './pipeline/context.js';
import { assertParamsInPath } from './pipeline/path-params-check.js';
import type { Handler, HttpMethod, OffloadSetting, ParamsInPath, RouteDefinition, RouteEntries, RouteOptions, WithRouterOffload } from './route.js';
import { routeName } from './route-name.js';
import { BackgroundRunner } from './deps/background-tasks.js';
import type { AppState } from './deps/dependency.js';
import { assertNoCycle, withDependencyParts } from './deps/dependency-graph.js';
import { DependencyOverrides } from './deps/overrides.js';
import { Lifespan, type LifecycleHook } from './lifespan.js';
import { withMiddleware, type Middleware } from './middleware/middleware.js';
import { mountRoutes } from './middleware/mount.js';
import type { AddableEndpoint, EndpointEntries } from './endpoint.js';
import { Router, type AnyRouter, type NormalizePrefix, type Prefixed, type ChainTo, type RouteMethod, type RouterOptions, type RoutesOf, type WebSocketRouteMethod } from './router.js';
import { SchemaNamespace } from './schema/validator.js';
import { isBodyParts } from './schema/body-parts.js';
import { inject, type InjectOptions, type InjectResponse } from './testing/inject.js';
import { TestClient, type TestClientOptions } from './testing/test-client.js';
import { WebSocketRoutes } from './ws/upgrade.js';
import type { WebSocketRouteDefinition } from './ws/ws-route.js';
import { appModule, appSettings, type AppOptions, type AppSettings } from './app-options.js';
import { appDocument, builtInRoutes, type BuiltInRoute } from './builtin-routes.js';
import { proxySettings, type ProxySettings } from './proxy/proxy-options.js';
import { withProxy } from './proxy/with-proxy.js';
import { compileRunners, compileTable, type RunnerServices } from './route-table.js';
import { HttpServer, type ListenOptions, type Listening } from './server/http-server.js';
import { BunServer } from './server/bun-server.js';
import { bunRuntime } from './server/bun-api.js';
import { logStrayErrors } from './server/stray-errors.js';
import { exitOnSignals } from './server/signals.js';
import { AppChannels } from './channels/app-channels.js';
import type { Channel, ChannelMessage, ChannelOptions } from './channels/channel.js';
import type { TSchema } from '@sinclair/typebox';

/** @internal Every route an app serves, as `ready()` would compile it, for `loopwise routes`. */
export interface ServedRoutes {
  /** Its own routes and its routers', with prefixes, defaults and dependencies' parts applied. */
  routes: RouteDefinition[];
  builtIn: BuiltInRoute[];
  websockets: readonly WebSocketRouteDefinition[];
  /** Mounted handlers under their prefixes; `app` when the handler is a loopwise App. */
  mounts: { prefix: string; app: App<OffloadSetting> | null }[];
}

/**
 * @internal Set by `loopwise run` and `loopwise dev` while they own the server: a listen() the app
 * module makes itself (at top level, say) then opens no second server and resolves with this
 * address instead. Process-wide, as the CLI serves one app per process.
 */
export const cliServer: { address: Listening | null } = { address: null };

/** An App's route methods return the App, typed with the route added (see RouteMethod in router.ts). */
export interface AppChain<Offload extends OffloadSetting, Routes> extends ChainTo {
  chained: App<Offload, Routes | this['added']>;
  fullPaths: true;
}

/** What a mounted App or Router serves under its prefix: a mounted App's WebSocket routes are not (a Router's, included, are). */
type MountedRoutes<R> = R extends App<OffloadSetting, any> ? Exclude<RoutesOf<R>, { method: 'WS' }> : RoutesOf<R>;

/**
 * The application: its routes (it is the root Router), its error handlers, its server. `Routes`
 * is the routes added by chained calls, for `createClient<typeof app>` (docs/client.md).
 */
export class App<Offload extends OffloadSetting = false, Routes = never> extends Router<Offload, Routes, ''> {
  // The route methods return the App (not a Router) typed with the new route: the same functions
  // as the Router's, typed again here since a subclass cannot re-parameterize `this`.
  declare readonly get: RouteMethod<'GET', Offload, AppChain<Offload, Routes>>;
  declare readonly post: RouteMethod<'POST', Offload, AppChain<Offload, Routes>>;
  declare readonly put: RouteMethod<'PUT', Offload, AppChain<Offload, Routes>>;
  declare readonly patch: RouteMethod<'PATCH', Offload, AppChain<Offload, Routes>>;
  declare readonly delete: RouteMethod<'DELETE', Offload, AppChain<Offload, Routes>>;
  declare readonly head: RouteMethod<'HEAD', Offload, AppChain<Offload, Routes>>;
  declare readonly options: RouteMethod<'OPTIONS', Offload, AppChain<Offload, Routes>>;
  declare readonly ws: WebSocketRouteMethod<AppChain<Offload, Routes>>;

  readonly title: string;
  readonly version: string;
  readonly description: string | undefined;
  readonly log: Logger;
  /** The `node:http` server listen() opened on Node (and on Bun for an app with WebSocket routes); null on Bun's native server. */
  server: Server | null = null;
  /** Whether each request logs an access line (option, else LOOPWISE_ACCESS_LOG, else dev mode). */
  readonly accessLog: boolean;

  /** The options the pipeline and the server read, defaults applied (src/app-options.ts). */
  private readonly settings: AppSettings;
  private readonly responder: ErrorResponder;
  private listener: RequestListener | null = null;
  /** The listener without the access log: what a parent App mounting this one calls (it logs the request itself). */
  private unlogged: RequestListener | null = null;
  /** The logger writes through pino-pretty: access lines are then the message alone. */
  private readonly prettyLog: boolean;
  /** RequestContext with `log` bound to this App's logger (src/pipeline/context.ts). */
  private readonly contextClass: RequestContextClass;
  private closing: Promise<void> | null = null;
  private removeSignalHandlers: (() => void) | null = null;
  private removeStrayErrorLog: (() => void) | null = null;
  /** The server listen() opened, with its graceful close: node:http's (src/server/http-server.ts) or Bun's (bun-server.ts). */
  private http: HttpServer | BunServer | null = null;
  /** Worker threads for offloaded routes and task()s (src/offload/app-pool.ts). */
  private readonly pool: AppPool;
  /** The queues its routes offload through (src/queue/app-queues.ts): empty, and free, unless a route names one. */
  private readonly queues: AppQueues;
  /** Measures the event loop, names the routes that block it, and says when to shed load. */
  readonly guard: LoopGuard;
  private readonly health: boolean;
  /** The app's Prometheus registry and series, when `metrics` is on. */
  readonly metrics: AppMetrics | null;
  private readonly openApi: OpenApiSettings;
  /** rootPath and trustProxy, checked; null without them, and requests are not touched (src/proxy/). */
  private readonly proxy: ProxySettings | null;
  /** What lifespan and startup hooks set up, for dependencies (`state`) and handlers. */
  readonly state: AppState = {};
  /** Replacements for dependencies, e.g. in tests: `app.dependencyOverrides.set(getDb, testDb)`. */
  readonly dependencyOverrides = new DependencyOverrides();
  private readonly lifespan: Lifespan;
  private readonly middlewares: Middleware[] = [];
  private readonly mounts: { prefix: string; target: RequestListener; app?: App<OffloadSetting> }[] = [];
  /** Background tasks and dependency cleanups still running after their responses. */
  private readonly background: BackgroundRunner;
  private document: OpenApiDocument | null = null;
  /** WebSocket routes (`app.ws()`, and its routers') and their open sockets (src/ws/). */
  private readonly websockets = new WebSocketRoutes(() => this.webSocketRoutes());
  /** Where this App's named schemas ($id, $ref) compile: its own ajv instances, made when the first is compiled. */
  private readonly schemas = new SchemaNamespace();
  /** `app.channel()`'s transport (the `pubsub` option), opened on first use (src/channels/). */
  private readonly channels: AppChannels;

  constructor(options: AppOptions & { offload?: Offload } = {}) {
    super({ offload: options.offload, timeout: options.timeout, strict: options.strict, dependencies: options.dependencies });
    this.title = options.title ?? 'loopwise';
    this.version = options.version ?? '0.1.0';
    this.description = options.description;
    // The environment, read once (src/runtime-env.ts): dev-mode and access-log defaults, log format and level.
    const env = runtimeEnv();
    const logger = createLogger(options.logger, env);
    this.log = logger.log;
    this.prettyLog = logger.pretty;
    this.accessLog = options.accessLog ?? env.accessLog ?? env.dev;
    this.contextClass = withRequestLog(this.log, this.state);
    this.settings = appSettings(options);
    useJobsQueue(options.jobs);
    this.responder = new ErrorResponder(this.log, this.state);
    this.background = new BackgroundRunner(this.log);
    this.lifespan = new Lifespan(this, options.lifespan, this.log);
    this.guard = new LoopGuard(guardSettings(options.guard, env.diagnostics), this.log);
    this.health = options.health === true;
    // Dev mode serves /metrics, for the dev banner's link; an explicit `metrics: false` wins. A
    // worker thread's copy of the App serves nothing: /metrics is the main thread's, so a worker
    // does not load prom-client (each thread is a V8 heap of its own, see docs/offload.md).
    const metrics = offloadRegistry().inWorker ? false : (options.metrics ?? env.dev);
    this.metrics = metrics === false ? null : this.createMetrics(metrics === true ? {} : metrics);
    this.openApi = openApiSettings(options.openapi);
    this.proxy = proxySettings(options);
    const pool = poolSettings(options.pool ?? {});
    const module = appModule(options.module);
    const ordinal = module === null ? 0 : registerApp(module, this);
    this.queues = new AppQueues(this.log);
    this.pool = new AppPool(pool, { module, ordinal }, this.log, () => this.guard.noteShed('queue'), this.dependencyOverrides);
    this.channels = new AppChannels(options.pubsub, this.log, this.schemas, this.settings.validation);
  }

  /**
   * A named broadcast (docs/channels.md): `publish(message)` reaches every `subscribe()` in this
   * process's threads, and with the `pubsub: redis(url)` option in every process and machine.
   * `schema` types and validates the messages; `buffer` bounds each subscriber's backlog.
   */
  channel<S extends TSchema | undefined = undefined>(name: string, options: ChannelOptions<S> = {}): Channel<ChannelMessage<S>> {
    return this.channels.channel(name, options);
  }

  override route<M extends HttpMethod, const P extends string, const O extends RouteOptions>(
    methods: M | M[],
    path: P,
    options: O & ParamsInPath<P, O>,
    handler: Handler<P, WithRouterOffload<Offload, O>>,
  ): App<Offload, Routes | RouteEntries<M, P, O>> {
    super.route(methods, path, options, handler);
    return this as never;
  }

  override add<const E extends readonly AddableEndpoint<Offload>[]>(...endpoints: E): App<Offload, Routes | EndpointEntries<E[number]>> {
    super.add(...endpoints);
    return this as never;
  }

  override include<R extends AnyRouter, const IncludePrefix extends string = ''>(
    router: R,
    options: RouterOptions & { prefix?: IncludePrefix } = {},
  ): App<Offload, Routes | Prefixed<RoutesOf<R>, NormalizePrefix<IncludePrefix>>> {
    super.include(router, options);
    return this as never;
  }

  // The class overload comes last: a mistake in its handler is the one TypeScript reports.
  /**
   * Answers every error answered with this status (`404` for unknown routes too): an HttpResponse,
   * or a plain value sent as JSON with that status.
   */
  exceptionHandler<E = unknown>(status: number, handler: (error: E, context: ExceptionContext) => ExceptionAnswer | Promise<ExceptionAnswer>): void;
  /**
   * Answers errors of a class (and its subclasses) your way, FastAPI's `@app.exception_handler(Cls)`.
   * Return an HttpResponse with the status you choose: `json({ message }, { status: 418 })`. For
   * an HTTPException or RequestValidationError (which carry a status) a plain value may do: it is
   * sent as JSON with the error's status. `context` is the request (docs/errors.md).
   */
  exceptionHandler<E>(errorClass: ErrorClass<E>, handler: ExceptionHandler<E>): void;
  exceptionHandler(key: ErrorClass | number, handler: (error: never, context: ExceptionContext) => unknown): void {
    this.assertNotFrozen('add an exception handler');
    this.responder.register(key, handler as (error: unknown, context: ExceptionContext) => unknown);
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
  // A mounted App or Router answers under the prefix, so its routes are typed there too (a Node handler's are not known).
  mount<const MountPrefix extends string, R extends App<OffloadSetting, any> | AnyRouter>(prefix: MountPrefix, target: R): App<Offload, Routes | Prefixed<MountedRoutes<R>, NormalizePrefix<MountPrefix>>>;
  mount(prefix: string, target: App<OffloadSetting, any> | AnyRouter | RequestListener): this;
  mount(prefix: string, target: App<OffloadSetting, any> | AnyRouter | RequestListener): this {
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
    const clock = this.guard.settings.enabled ? this.guard.clock : null;
    const runtime = {
      bodyLimit: this.settings.bodyLimit,
      responder: this.responder,
      serverTiming: this.guard.settings.serverTiming,
      waited: clock === null ? undefined : (now: number) => clock.waited(now),
      multipart: this.settings.multipart,
      contextClass: this.contextClass,
      validation: this.settings.validation,
      schemas: this.schemas,
    };
    const definitions = this.routes().map((route) => withDependencyParts(route, this.dependencyOverrides));
    for (const route of definitions) assertNoCycle(route, this.dependencyOverrides);
    // Every named schema is known before the first route compiles: a t.Ref finds it in any order.
    for (const route of definitions) declareSchemas(this.schemas, route.options);
    // WebSocket routes too, though they compile at listen(): a mistake stops startup before anything opens.
    for (const route of [...definitions, ...this.webSocketRoutes()]) assertParamsInPath(route);
    const pool = this.pool.forRoutes(definitions);
    // The document is built here, from the app's own routes, so a mistake in it stops startup.
    if (this.openApi.path !== false) this.document = appDocument(definitions, this, this.openApi);
    // Built-in routes answer even while the server sheds load: health checks and scrapes must get through.
    const builtIn = this.builtInRoutes().map(({ route }) => route);
    definitions.push(...builtIn);
    const queues = offloadRegistry().inWorker ? null : this.queues.forRoutes(definitions);
    // Queue depth is read from Redis when /metrics is scraped: nothing is added for an app without queues.
    if (queues !== null && this.metrics !== null) watchQueueDepth(this.metrics, [...queues.all.map((client) => client.config), ...durableQueues()]);
    const runners = compileRunners(definitions, this.runnerServices(), { thread: 'main', pool, guard: this.guard, queues });
    const table = compileTable(definitions, { runtime, runners, alwaysServe: new Set(builtIn) });
    try {
      const guard = this.guard.settings.enabled ? this.guard : null;
      const metrics = this.metrics;
      const observe = metrics === null ? null : metrics.requestDone.bind(metrics);
      for (const mount of this.mounts) table.push(...mountRoutes(mount.prefix, mount.target, this.responder));
      // A silent logger (logger: false) would drop every access line: then the listener stays as it is.
      const accessLog = this.accessLog && this.log.level !== 'silent';
      const dispatch = createDispatcher(table, { maxParamLength: this.settings.maxParamLength, redirectSlashes: this.settings.redirectSlashes, responder: this.responder, guard, observe, recordRoute: accessLog });
      // No middleware and no access log: the dispatcher is the listener, and the hot path is as it was.
      this.unlogged = withMiddleware(this.middlewares, dispatch, this.responder);
      if (this.proxy !== null) this.unlogged = withProxy(this.unlogged, this.proxy);
      this.listener = accessLog ? withAccessLog(this.unlogged, this.log, { pretty: this.prettyLog, waited: runtime.waited }) : this.unlogged;
    } catch (error) {
      throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `the router rejected a route: ${(error as Error).message}`, { cause: error });
    }
    this.freeze();
    this.log.debug({ routes: definitions.map((r) => routeName(r.method, r.path)) }, 'routes compiled');
    return this;
  }

  /**
   * The app's OpenAPI 3.1 document (FastAPI's `app.openapi()`), built from its routes. Once the
   * app has started it is built once and kept; change the returned object to customise what
   * `/openapi.json` serves.
   */
  openapi(): OpenApiDocument {
    return this.document ?? appDocument(this.routes().map((route) => withDependencyParts(route)), this, this.openApi);
  }

  /**
   * @internal For `loopwise routes`: what the app serves (its routes, the built-in ones, its
   * WebSocket routes and mounts), without compiling or starting anything.
   */
  servedRoutes(): ServedRoutes {
    return {
      routes: this.routes().map((route) => withDependencyParts(route, this.dependencyOverrides)),
      builtIn: this.builtInRoutes(),
      websockets: this.websockets.routes.map((route) => withDependencyParts(route, this.dependencyOverrides)),
      mounts: this.mounts.map(({ prefix, app }) => ({ prefix, app: app ?? null })),
    };
  }

  /** Health checks, `/metrics`, `/openapi.json` (it serves `this.document`, built by ready()) and the docs pages. */
  private builtInRoutes(): BuiltInRoute[] {
    return builtInRoutes({
      title: this.title,
      health: this.health,
      metrics: this.metrics,
      openApi: this.openApi,
      notReadyReason: () => (this.closing !== null ? 'shutting down' : this.guard.shedding ? 'shedding load' : this.queues.notReadyReason()),
      document: () => this.document,
    });
  }

  private runnerServices(): RunnerServices {
    return {
      responder: this.responder,
      log: this.log,
      dependencies: { state: this.state, overrides: this.dependencyOverrides, log: this.log },
      background: this.background,
      schemas: this.schemas,
    };
  }

  private createMetrics(options: AppMetricsOptions): AppMetrics {
    const metrics = new AppMetrics(options);
    this.guard.events.blocked = (route, ms) => metrics.blocked(route, ms);
    this.guard.events.starved = (ms) => metrics.starved(ms);
    this.guard.events.shed = (reason) => metrics.shed(reason);
    metrics.watchLoop(() => this.guard.loop);
    metrics.watchPool(() => this.pool.current?.gauge() ?? null);
    return metrics;
  }

  /**
   * @internal For loopwise's worker threads: this App's offloaded routes, compiled to run inline
   * (the main thread already validated the request and enforces the timeout).
   */
  async forWorker(): Promise<WorkerRoutes> {
    for (const route of this.routes()) declareSchemas(this.schemas, route.options);
    const runners = compileRunners(this.routes(), this.runnerServices(), { thread: 'worker' });
    this.freeze();
    // Each worker thread has its own module state, so its own lifespan: its dependencies read its state.
    await this.lifespan.start();
    const offloaded = this.routes().filter((route) => route.options.offload === true);
    return { runners, contextClass: this.contextClass, overrides: this.dependencyOverrides, offloaded };
  }

  /**
   * @internal For `loopwise worker`: the queues this App's routes offload through, and a thread
   * pool whose threads run those routes as this App's worker threads do (src/queue/queue-worker.ts).
   */
  forQueueWorker(): { queues: BullmqConfig[]; pool: OffloadPool; guard: LoopGuard; log: Logger; closeTimeout: number; metrics: AppMetrics | null } {
    const queues = new Map<string, BullmqConfig>();
    for (const route of this.routes()) {
      const offload = route.options.offload;
      if (isQueueOffload(offload)) queues.set(queueKey(offload.queue), offload.queue);
    }
    for (const queue of durableQueues()) queues.set(queueKey(queue), queue); // durable jobs (background.enqueue)
    this.freeze();
    return { queues: [...queues.values()], pool: this.pool.forQueueWorker(), guard: this.guard, log: this.log, closeTimeout: this.settings.closeTimeout, metrics: this.metrics };
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

  /** Sends a request through the whole pipeline without a socket; the first one runs the lifespan. */
  async inject(options: InjectOptions | string): Promise<InjectResponse> {
    return inject(await this.startInMemory(), options);
  }

  /**
   * FastAPI's TestClient: requests in memory with cookies and default headers kept across calls,
   * and WebSocket sessions on a real socket (docs/testing.md). `close()` it to close the app.
   */
  testClient(options?: TestClientOptions): TestClient {
    return new TestClient(
      {
        inject: (request) => this.inject(request),
        start: async () => void (await this.startInMemory()),
        server: () => this.server,
        listen: async () => (await this.listen({ port: 0, host: '127.0.0.1', handleSignals: false })).url,
        close: () => this.close(),
      },
      options,
    );
  }

  /** Compiles the app and runs its lifespan without a socket, for inject() and the test client. */
  private async startInMemory(): Promise<RequestListener> {
    if (offloadRegistry().inWorker) {
      throw new LoopwiseError(
        'LW_ERR_OFFLOAD_MODULE',
        "inject() or the test client ran in a worker thread: the App's module sends requests at its top level, and worker threads import that module to find the routes. Send them from another module (a test or a script that imports the App).",
      );
    }
    const handler = this.handler;
    await this.lifespan.start();
    await this.pool.warmUp();
    return handler;
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
    if (this.http !== null) throw new LoopwiseError('LW_ERR_ALREADY_LISTENING', 'this app is already listening; call close() first.');
    const handler = this.handler;
    // Before the port opens: no request arrives before the app is set up.
    try {
      await this.lifespan.start();
    } catch (error) {
      await this.pool.close();
      throw error;
    }
    let http: HttpServer | BunServer;
    try {
      http = this.openServer(handler);
    } catch (error) {
      await this.lifespan.stop();
      await this.pool.close();
      throw error;
    }
    this.http = http;
    let listening: Listening;
    try {
      listening = await http.listen(options.port ?? 8000, options.host ?? '127.0.0.1');
    } catch (error) {
      this.server = this.http = null; // e.g. EADDRINUSE: the app stays free to listen elsewhere
      throw error;
    }
    // The worker threads load the app module once the port is open, not before: an inline route
    // answers at once, an offloaded request that comes first waits for its thread. A worker that
    // cannot load the app module still fails listen(), at startup, not on a request.
    try {
      await this.pool.serve();
    } catch (error) {
      this.server = this.http = null;
      await http.destroy();
      throw error;
    }
    this.guard.start();
    if (options.handleSignals !== false) this.removeSignalHandlers = exitOnSignals(this);
    this.removeStrayErrorLog = logStrayErrors(this.log);
    this.log.info({ url: listening.url }, `${this.title} listening on ${listening.url}`);
    return listening;
  }

  /** Whether listen() has a server open, on either runtime (app.server is node:http's only, null on Bun's native server). */
  get listening(): boolean {
    return this.http !== null;
  }

  /**
   * The server for this runtime: on Bun, Bun.serve in front of the same listener, unless the app
   * has WebSocket routes (served through Bun's node:http layer, which the `ws` handshakes need).
   */
  private openServer(handler: RequestListener): HttpServer | BunServer {
    const closeTimeout = this.settings.closeTimeout;
    if (bunRuntime() !== null && this.websockets.routes.length === 0) return new BunServer(handler, { limits: this.settings.limits, log: this.log, closeTimeout });
    const http = new HttpServer(handler, { limits: this.settings.limits, responder: this.responder, log: this.log, closeTimeout });
    // WebSockets: upgrade requests go to the app.ws() routes (src/ws/upgrade.ts); no listener when there are none.
    this.websockets.attach(http.server, { ...this.runnerServices(), guard: this.guard, maxParamLength: this.settings.maxParamLength, validation: this.settings.validation, schemas: this.schemas });
    this.server = http.server;
    return http;
  }

  /**
   * Stops accepting connections, lets in-flight requests finish (up to `closeTimeout`), then
   * cuts what is left and resolves. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    // A worker thread's copy of the App serves nothing and its thread ends it: like listen(), a no-op there.
    if (offloadRegistry().inWorker) return Promise.resolve();
    return (this.closing ??= this.shutDown());
  }

  private async shutDown(): Promise<void> {
    this.removeSignalHandlers?.();
    this.removeStrayErrorLog?.();
    this.removeStrayErrorLog = null;
    try {
      await this.websockets.close(); // WebSockets first: 1001 to every open socket, so none holds the server open
      await this.http?.close();
      this.server = this.http = null;
      // Responses are out; what runs after them (background tasks, cleanups) gets the rest of the time.
      if (!(await this.background.drain(this.settings.closeTimeout))) {
        this.log.warn({ pending: this.background.size }, `background tasks still running after ${this.settings.closeTimeout} ms; closing without them`);
      }
      await this.lifespan.stop();
    } finally {
      await this.guard.stop();
      await this.pool.close();
      await this.queues.close();
      await closeJobProducers();
      await this.channels.close();
      this.closing = null; // the next listen() gets a close() of its own
    }
  }
}

/** A route's request and response schemas, recorded in its App's namespace (a body of named parts, each part). */
function declareSchemas(namespace: SchemaNamespace, options: RouteOptions): void {
  const { params, query, headers, cookies, body, response } = options;
  for (const schema of [params, query, headers, cookies]) namespace.declare(schema);
  if (body !== undefined) for (const schema of isBodyParts(body) ? Object.values(body) : [body]) namespace.declare(schema);
  if (response !== undefined) for (const schema of Object.values(response)) namespace.declare(schema);
}
