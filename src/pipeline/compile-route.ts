import { isOffloaded, isQueueOffload } from '../queue/bullmq-config.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OptionalKind, type TSchema } from '@sinclair/typebox';
import { LoopwiseError, RequestValidationError } from '../errors.js';
import type { RouteDefinition, RouteOptions } from '../route.js';
import { routeName } from '../route-name.js';
import { compileJsonBodyValidator, compileValidator, type PartValidator, type SchemaNamespace } from '../schema/validator.js';
import { checkBodyParts, compilePartsCheck, isBodyParts, partsSchema, type BodyParts } from '../schema/body-parts.js';
import type { ValidationLimits } from '../schema/validation-limits.js';
import { compileMultipartBody, isMultipartRequest } from '../forms/multipart-body.js';
import type { MultipartOptions } from '../forms/multipart-options.js';
import { describeUploads } from '../forms/offload-uploads.js';
import { quoteMissingFieldsAsNull } from '../forms/missing-fields.js';
import type { ValidationIssue } from '../schema/validation-issue.js';
import { ServerTiming } from '../guard/server-timing.js';
import { parseCookies, parseQuery, type RequestContext, type RequestContextClass } from './context.js';
import type { ErrorResponder } from './handle-error.js';
import { DEFAULT_CONSUMES, bodyKindOf, bodyKindOfMediaType, decodeBody, type BodyKind } from './parse-body.js';
import { compileRefusedBody } from './refused-body.js';
import { readBody } from './read-body.js';
import { checkResponseStatuses } from './response-statuses.js';
import { checkResponseClass } from './response-class.js';
import type { Runner } from './run-handler.js';

/**
 * The request handler a route becomes: called by the dispatcher with the router's match. `rawQuery`
 * is undefined when the path was matched without the URL at hand (Bun's own router): it is read then only if used.
 */
export type CompiledRoute = (req: IncomingMessage, res: ServerResponse, params: Record<string, unknown>, rawQuery: string | undefined) => void;

export interface RouteRuntime {
  bodyLimit: number;
  responder: ErrorResponder;
  /** Time the phases for a Server-Timing header. */
  serverTiming: boolean;
  /** How long a request read now waited behind a stalled loop (the loop guard's clock); none without a guard. */
  waited?: ((now: number) => number) | undefined;
  /** The App's multipart limits; each multipart route's own win over them. */
  multipart?: MultipartOptions;
  /** The App's context class: RequestContext with its `log` (src/pipeline/context.ts). */
  contextClass: RequestContextClass;
  /** How many issues a 422 lists per part, and how much input each quotes; default src/schema/validation-limits.ts's. */
  validation?: ValidationLimits;
  /** The App's named schemas' ajv instances (src/schema/validator.ts); the process's shared ones without it. */
  schemas?: SchemaNamespace;
}

/** One declared part's check: adds its issues (none when valid) to the request's list. */
export type Validated = (context: RequestContext, issues: ValidationIssue[]) => void;

/**
 * Compiles a route once, at startup, into one function that does only what the route declares:
 * a route without a body never reads one, a route without schemas never validates. `run` is what
 * happens once the request is valid: the handler inline, or a hand-off to the offload pool.
 */
export function compileRoute(route: RouteDefinition, runtime: RouteRuntime, run: Runner): CompiledRoute {
  const name = routeName(route.method, route.path);
  const options = route.options;
  const responder = runtime.responder;
  // Here and not only in the runner: an offloaded route's runner is compiled on its worker, too late to stop startup.
  checkResponseStatuses(route, name);
  checkResponseClass(route, name);
  const checks = compileChecks(route, name, runtime.validation, runtime.schemas);
  const body = options.body === undefined ? null : compileBody(options.body, name, { limits: runtime.validation, namespace: runtime.schemas }, options.consumes ?? DEFAULT_CONSUMES, options.strict === true);
  const bodyLimit = options.bodyLimit ?? runtime.bodyLimit;
  // JSON only unless the route lists other types: a form or text body is never read by default (CSRF).
  const consumes = options.consumes ?? DEFAULT_CONSUMES;
  const accepts = new Set(consumes.map(bodyKindOfMediaType));
  // Null unless the route consumes multipart/form-data: every other route compiles as it did without it.
  const multipart = compileMultipartBody(options, runtime.multipart, name, runtime.schemas, runtime.validation);
  // A body of another type (or none) is answered as FastAPI does, and never decoded (refused-body.ts).
  const refuse = body === null ? null : compileRefusedBody({ accepts, consumes, validate: body.check, multipart, limits: runtime.validation });
  // Taken before the uploads wrapper below: a request that failed validation hands no body over.
  const runWithIssues = run.withIssues ?? null;
  // An UploadFile cannot cross to a worker thread: its description does, and the worker rebuilds it.
  if (multipart !== null && isQueueOffload(options.offload)) {
    throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `${name} takes multipart uploads and is offloaded through a queue: its uploads are files on this machine, which a worker on another cannot read. Offload it with offload: true, or store the upload and queue its location.`);
  }
  if (multipart !== null && isOffloaded(options.offload)) run = withUploadsDescribed(run);
  // A constant per compiled route: with timing off, each check below is a never-taken branch.
  const timed = runtime.serverTiming;
  const waited = runtime.waited;
  const ContextClass = runtime.contextClass;

  function contextFor(req: IncomingMessage, params: Record<string, unknown>, rawQuery: string | undefined): RequestContext {
    const context: RequestContext = new ContextClass(req, params, rawQuery);
    if (timed) context.timing = new ServerTiming(waited);
    return context;
  }

  // Every failing part is reported at once, in FastAPI's order (path, query, header, cookie, body),
  // so a client fixes all in one round.
  function validateAndRun(context: RequestContext, res: ServerResponse, bodyIssues: ValidationIssue[] | null): void {
    const issues: ValidationIssue[] = [];
    try {
      for (const check of checks) check(context, issues);
    } catch (error) {
      responder.respond(context, res, error, name); // a query string that is not valid percent-encoding (400)
      return;
    }
    if (bodyIssues !== null) collect(bodyIssues, issues);
    if (timed) context.timing!.validate = context.timing!.lap() + Math.max(0, context.timing!.validate);
    if (issues.length > 0) {
      // A route with dependencies calls those whose own parts are valid first (FastAPI's order): see Runner.withIssues.
      if (runWithIssues !== null) runWithIssues(context, res, issues);
      else responder.respond(context, res, new RequestValidationError(issues), name);
      return;
    }
    run(context, res);
  }

  if (body !== null) {
    const handleWithBody: CompiledRoute = function handleWithBody(req, res, params, rawQuery) {
      const context = contextFor(req, params, rawQuery);
      const kind = bodyKindOf(req);
      const read = kind !== null && accepts.has(kind);
      readBody(req, bodyLimit, (error, raw) => {
        if (error !== null) {
          responder.respond(context, res, error, name);
          return;
        }
        let issues: ValidationIssue[];
        const timing = context.timing;
        try {
          if (timed) timing!.lap(); // reading the body is the network's time, not the server's
          if (read) {
            context.body = decodeBody(raw!, kind);
            if (timed) timing!.parse = timing!.lap();
            issues = body.validate(context, raw!, kind);
            if (kind === 'form' && issues.length > 0) quoteMissingFieldsAsNull(issues);
          } else {
            const refused = refuse!(req, raw!, kind);
            context.body = refused.value;
            issues = refused.issues;
          }
          if (timed) timing!.validate = timing!.lap();
        } catch (failure) {
          responder.respond(context, res, failure, name);
          return;
        }
        validateAndRun(context, res, issues);
      });
    };
    if (multipart === null) return handleWithBody;
    // Multipart bodies are streamed, not buffered: files go to disk past a size, limits apply as they arrive.
    return function handleMultipart(req, res, params, rawQuery) {
      if (!isMultipartRequest(req)) {
        handleWithBody(req, res, params, rawQuery);
        return;
      }
      const context = contextFor(req, params, rawQuery);
      multipart.read(req, res, (error, parsed) => {
        if (error !== null) {
          responder.respond(context, res, error, name);
          return;
        }
        const timing = context.timing;
        if (timed) timing!.lap(); // receiving and storing the parts is the network's (and disk's) time
        let issues: ValidationIssue[];
        try {
          const validated = multipart.validate(parsed!);
          context.body = validated.value;
          issues = validated.issues;
          if (timed) timing!.validate = timing!.lap();
        } catch (failure) {
          responder.respond(context, res, failure, name);
          return;
        }
        validateAndRun(context, res, issues);
      });
    };
  }
  if (checks.length > 0) {
    return function handleValidated(req, res, params, rawQuery) {
      validateAndRun(contextFor(req, params, rawQuery), res, null);
    };
  }
  return function handle(req, res, params, rawQuery) {
    run(contextFor(req, params, rawQuery), res);
  };
}

/** The offload runner reads `context.body` as it hands the request over: give it the uploads' descriptions. */
function withUploadsDescribed(run: Runner): Runner {
  return function runWithUploads(context, res) {
    const body = context.body;
    context.body = describeUploads(body);
    try {
      run(context, res);
    } finally {
      context.body = body;
    }
  };
}

/** What the checks read of a route, HTTP or WebSocket: its declared parts, and whether it declared `headers` itself. */
export interface CheckedRoute {
  options: Pick<RouteOptions, 'params' | 'query' | 'headers' | 'cookies'>;
  ownParts?: { headers: boolean };
}

/** One check per declared part besides the body; undeclared parts cost nothing. Also used by WebSocket handshakes. */
export function compileChecks(route: CheckedRoute, name: string, limits?: ValidationLimits, namespace?: SchemaNamespace): Validated[] {
  const { params, query, headers, cookies } = route.options;
  const handlerHeaders = route.ownParts?.headers ?? true;
  const checks: Validated[] = [];
  const coerce = { coerce: true, route: name, limits, namespace };
  if (params !== undefined) {
    const validate = compileValidator(params, 'path', coerce);
    checks.push((context, issues) => collect(validate(context.params), issues));
  }
  if (query !== undefined) {
    const validate = compileValidator(query, 'query', coerce);
    checks.push((context, issues) => {
      const parsed = parseQuery(context.rawQuery);
      context.parsedQuery = parsed;
      collect(validate(parsed), issues);
    });
  }
  if (headers !== undefined) {
    const validate = compileValidator(headers, 'header', coerce);
    const properties = ((headers as { properties?: Record<string, unknown> }).properties ?? {});
    // A header sent twice is one "a, b" in Node's `headers`; a list-typed one reads each line apart
    // (`headersDistinct`), as Starlette gives FastAPI `["a", "b"]`. Chosen here, once per header.
    const names = Object.entries(properties).map(([n, schema]) => [n, n.toLowerCase(), acceptsList(schema)] as const);
    checks.push((context, issues) => {
      // Only the declared headers, under the names the schema uses: validation must not touch Node's own object.
      const declared: Record<string, unknown> = {};
      const raw = context.request.headers;
      for (const [key, lower, list] of names) {
        if (raw[lower] !== undefined) declared[key] = list ? headerLines(context.request, lower) : raw[lower];
      }
      context.validHeaders = declared;
      // Headers only dependencies declare stay theirs: the handler keeps all of Node's headers.
      if (handlerHeaders) context.headers = declared;
      collect(validate(declared), issues);
    });
  }
  if (cookies !== undefined) {
    const validate = compileValidator(cookies, 'cookie', coerce);
    checks.push((context, issues) => {
      const parsed = parseCookies(context.request.headers.cookie);
      context.parsedCookies = parsed;
      collect(validate(parsed), issues);
    });
  }
  return checks;
}

/** Each line of a header apart. An injected request (light-my-request) has no `headersDistinct`: its values stay as given. */
function headerLines(request: IncomingMessage, name: string): string[] | string | undefined {
  const distinct = (request as Partial<IncomingMessage>).headersDistinct;
  return distinct !== undefined ? distinct[name] : request.headers[name];
}

/** Whether a header's schema takes a list (`t.Array`, or a union with one). */
function acceptsList(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const { type, anyOf } = schema as { type?: unknown; anyOf?: unknown };
  if (type === 'array' || (Array.isArray(type) && type.includes('array'))) return true;
  return Array.isArray(anyOf) && anyOf.some(acceptsList);
}

function collect(found: ValidationIssue[] | null, issues: ValidationIssue[]): void {
  if (found !== null) for (const issue of found) issues.push(issue);
}

/** A route's body check: reads `context.body` (the decoded body) and leaves there what the handler gets. */
interface CompiledBody {
  validate(context: RequestContext, raw: Uint8Array, kind: BodyKind): ValidationIssue[];
  /** A value checked as it is, never converted: what refused-body.ts makes of a body the route does not read (and the handler's body when it is valid). */
  check(value: unknown, isJson: boolean): { value: unknown; issues: ValidationIssue[] };
}

/**
 * JSON bodies are validated as sent, then, only if that fails, converted as Pydantic's lax mode
 * does (unless the route is `strict`): the converted body replaces `context.body`. Form and text
 * bodies are strings and get coerced. `raw` is read again only to quote a failing body as sent.
 * A body of named parts (`body: { item: Item, user: User }`) is one object validated the same
 * way, with FastAPI's answers for missing parts (schema/body-parts.ts).
 */
function compileBody(
  declared: TSchema | BodyParts,
  name: string,
  { limits, namespace }: { limits: ValidationLimits | undefined; namespace: SchemaNamespace | undefined },
  consumes: readonly string[],
  strict: boolean,
): CompiledBody {
  const parts = isBodyParts(declared) ? declared : null;
  if (parts !== null) checkPartsRoute(parts, name, consumes);
  const schema = parts === null ? (declared as TSchema) : partsSchema(parts);
  const json = compileJsonBodyValidator(schema, { route: name, limits, strict, namespace, reread: (raw: Uint8Array) => decodeBody(raw, 'json') });
  const coercing = compileValidator(schema, 'body', { coerce: true, route: name, limits, namespace });
  // Only for bodies a route does not read (refused-body.ts): compiled with the first one.
  let exact: PartValidator | null = null;
  const exactly: PartValidator = (value) => (exact ??= compileValidator(schema, 'body', { coerce: false, route: name, limits, namespace }))(value);

  if (parts !== null) {
    const checkParts = compilePartsCheck(parts);
    return {
      check: (value, isJson) => checkParts(value, isJson ? exactly : coercing),
      validate(context, raw, kind) {
        if (kind !== 'json') {
          const checked = checkParts(context.body, coercing);
          context.body = checked.value;
          return checked.issues;
        }
        let converted: unknown;
        const checked = checkParts(context.body, (object) => {
          const outcome = json(object, raw);
          if (outcome === null) return null;
          converted = outcome.value;
          return outcome.issues.length === 0 ? null : outcome.issues;
        });
        context.body = converted !== undefined && checked.issues.length === 0 ? converted : checked.value;
        return checked.issues;
      },
    };
  }
  const optional = (schema as unknown as Record<symbol, unknown>)[OptionalKind] === 'Optional';
  const missing = (): ValidationIssue[] => (optional ? [] : [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
  return {
    check(value, isJson) {
      if (value === undefined) return { value, issues: missing() };
      return { value, issues: (isJson ? exactly : coercing)(value) ?? [] };
    },
    validate(context, raw, kind) {
      const value = context.body;
      if (value === undefined) return missing();
      // FastAPI takes a JSON `null` body for none: "missing" when the body is required (even if
      // its schema allows null), nothing to validate when it is optional.
      if (value === null && kind === 'json') {
        context.body = undefined;
        return missing();
      }
      if (kind !== 'json') return coercing(value) ?? [];
      const outcome = json(value, raw);
      if (outcome === null) return [];
      context.body = outcome.value;
      return outcome.issues;
    },
  };
}

/** Named parts are keys of a JSON object (or of a urlencoded form): text has no keys, multipart has fields of its own. */
function checkPartsRoute(parts: BodyParts, name: string, consumes: readonly string[]): void {
  checkBodyParts(parts, name);
  const other = consumes.find((type) => type !== 'application/json' && type !== 'application/x-www-form-urlencoded');
  if (other !== undefined) {
    throw new LoopwiseError(
      'LW_ERR_INVALID_ROUTE',
      `the body of ${name} is named parts, which a ${other} body cannot carry; declare its fields as one schema (body: t.Object({ ... })) for ${other}, or consume JSON.`,
    );
  }
}
