import { STATUS_CODES } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { OptionalKind, type TSchema } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';
import { securityOf } from '../deps/dependency-graph.js';
import type { SecurityInfo } from '../deps/dependency.js';
import type { RouteDefinition } from '../route.js';
import { routeName } from '../route-name.js';
import { isBodyParts, isOmittablePart, type BodyParts } from '../schema/body-parts.js';
import { defaultOperationId, defaultSummary } from './operation-names.js';
import { toPathTemplate } from './path-template.js';
import { SchemaComponents } from './schema-components.js';
import type {
  InfoObject,
  JsonSchema,
  OpenApiDocument,
  OperationObject,
  ParameterObject,
  RequestBodyObject,
  ResponseObject,
  ServerObject,
  TagObject,
} from './types.js';
import { VALIDATION_ERROR, httpValidationError } from './validation-error-schema.js';

export interface DocumentSettings {
  info: InfoObject;
  /** Default `[{ url: '/' }]`: the server that serves the document. */
  servers?: ServerObject[];
  /** Descriptions for tags, in the order the docs should show them. */
  tags?: TagObject[];
}

const PARTS = [
  ['params', 'path'],
  ['query', 'query'],
  ['headers', 'header'],
  ['cookies', 'cookie'],
] as const;

// What HTTPException sends: {"detail": "..."}.
const HTTP_ERROR: JsonSchema = { type: 'object', required: ['detail'], properties: { detail: { type: 'string' } } };

// Statuses whose responses have no body.
const EMPTY = new Set([204, 205, 304]);

/** Builds the OpenAPI 3.1 document of a set of routes: one operation per visible route. */
export function buildOpenApiDocument(routes: RouteDefinition[], settings: DocumentSettings): OpenApiDocument {
  const schemas = new SchemaComponents();
  const securitySchemes = new Map<string, SecurityInfo & { route: string }>();
  const paths: OpenApiDocument['paths'] = {};
  const usedTags = new Set<string>();
  const operationIds = new Map<string, string>();
  const visible = routes.filter((route) => route.options.hidden !== true);

  // Ids chosen by users are reserved first, so a generated one never takes a name a user picked.
  for (const route of visible) {
    const id = route.options.operationId;
    if (id === undefined) continue;
    const earlier = operationIds.get(id);
    if (earlier !== undefined) {
      throw new LoopwiseError('LW_ERR_OPENAPI', `${earlier} and ${routeName(route.method, route.path)} both have operationId "${id}"; operationIds must be unique.`);
    }
    operationIds.set(id, routeName(route.method, route.path));
  }

  for (const route of visible) {
    const { template } = toPathTemplate(route.path);
    const operationId = route.options.operationId ?? uniqueId(defaultOperationId(route.method, route.path), operationIds, route);
    const operation = buildOperation(route, operationId, schemas, securitySchemes);
    for (const tag of operation.tags ?? []) usedTags.add(tag);
    const item = (paths[template] ??= {});
    item[route.method.toLowerCase() as keyof typeof item] = operation;
  }

  const document: OpenApiDocument = {
    openapi: '3.1.0',
    info: settings.info,
    servers: settings.servers ?? [{ url: '/' }],
    paths,
  };
  const components = schemas.components();
  if (Object.keys(components).length > 0) document.components = { schemas: components };
  if (securitySchemes.size > 0) {
    const names = [...securitySchemes.keys()].sort();
    document.components = { ...document.components, securitySchemes: Object.fromEntries(names.map((name) => [name, securitySchemes.get(name)!.scheme])) };
  }
  const tags = documentTags(settings.tags ?? [], usedTags);
  if (tags.length > 0) document.tags = tags;
  return document;
}

function buildOperation(
  route: RouteDefinition,
  operationId: string,
  schemas: SchemaComponents,
  securitySchemes: Map<string, SecurityInfo & { route: string }>,
): OperationObject {
  const { options } = route;
  const name = routeName(route.method, route.path);
  // Keys in the order a reader expects them: what it is, what it takes, what it answers.
  const ordered: Partial<OperationObject> = {
    operationId,
    summary: options.summary ?? defaultSummary(route.handler.name, route.method, route.path),
  };
  if (options.description !== undefined) ordered.description = options.description;
  if (options.tags !== undefined && options.tags.length > 0) ordered.tags = [...options.tags];
  if (options.deprecated === true) ordered.deprecated = true;
  const parameters = buildParameters(route, schemas);
  if (parameters.length > 0) ordered.parameters = parameters;
  if (options.body !== undefined) {
    ordered.requestBody = isBodyParts(options.body)
      ? buildPartsBody(options.body, options.consumes, schemas, name, operationId)
      : buildRequestBody(options.body, options.consumes, schemas, `the body of ${name}`);
  }
  ordered.responses = buildResponses(route, schemas);
  ordered.security = buildSecurity(route, securitySchemes);
  // A secured operation can answer 401 (the helpers' "Not authenticated"): say so, unless the route did.
  if (ordered.security.length > 0 && ordered.responses['401'] === undefined) {
    ordered.responses['401'] = { description: 'Not authenticated', content: { 'application/json': { schema: HTTP_ERROR } } };
  }
  const operation = ordered as OperationObject;
  // Fields the route adds by hand (FastAPI's openapi_extra) go last and win.
  if (options.openapi !== undefined) Object.assign(operation, structuredClone(options.openapi));
  return operation;
}

function buildParameters(route: RouteDefinition, schemas: SchemaComponents): ParameterObject[] {
  const name = routeName(route.method, route.path);
  const parameters: ParameterObject[] = [];
  // Path parameters come from the path itself; a `params` schema only types them.
  const declaredPath = propertiesOf(route.options.params);
  for (const param of toPathTemplate(route.path).params) {
    const declared = declaredPath?.properties[param.key];
    if (declared !== undefined && isHidden(declared)) {
      throw new LoopwiseError('LW_ERR_OPENAPI', `the path parameter "${param.name}" of ${name} has includeInSchema: false, but the path itself names it: only query, header and cookie parameters can be left out of the document.`);
    }
    const schema = declared === undefined ? { type: 'string' } : schemas.convert(declared, `the path parameter "${param.name}" of ${name}`, 'input');
    if (param.pattern !== undefined && schema.pattern === undefined && schema.$ref === undefined) schema.pattern = param.pattern;
    parameters.push(parameter(param.name, 'path', true, schema, declared));
  }
  for (const [option, location] of PARTS) {
    if (location === 'path') continue;
    const part = propertiesOf(route.options[option]);
    if (part === undefined) continue;
    for (const [key, declared] of Object.entries(part.properties)) {
      if (isHidden(declared)) continue; // FastAPI's Query(include_in_schema=False): validated, not documented
      const schema = schemas.convert(declared, `the ${location} parameter "${key}" of ${name}`, 'input');
      // A parameter with a default may be left out: the server fills it in (FastAPI documents it so too).
      const required = part.required.has(key) && declared.default === undefined;
      parameters.push(parameter(key, location, required, schema, declared));
    }
  }
  return parameters;
}

function parameter(name: string, location: ParameterObject['in'], required: boolean, schema: JsonSchema, declared: TSchema | undefined): ParameterObject {
  const entry: ParameterObject = { name, in: location, required, schema };
  if (typeof declared?.description === 'string') entry.description = declared.description;
  if (declared?.deprecated === true) entry.deprecated = true;
  return entry;
}

function isHidden(schema: TSchema): boolean {
  return schema.includeInSchema === false;
}

/** An object schema's properties and required names; other shapes have no parameters to list. */
function propertiesOf(schema: TSchema | undefined): { properties: Record<string, TSchema>; required: Set<string> } | undefined {
  if (schema === undefined || typeof schema.properties !== 'object' || schema.properties === null) return undefined;
  return { properties: schema.properties as Record<string, TSchema>, required: new Set((schema.required as string[] | undefined) ?? []) };
}

function buildRequestBody(body: TSchema, consumes: string[] | undefined, schemas: SchemaComponents, where: string): RequestBodyObject {
  const schema = schemas.convert(body, where, 'input');
  const optional = (body as unknown as Record<symbol, unknown>)[OptionalKind] === 'Optional';
  const content = Object.fromEntries((consumes ?? ['application/json']).map((type) => [type, { schema }]));
  const requestBody: RequestBodyObject = { required: !optional, content };
  if (typeof body.description === 'string') requestBody.description = body.description;
  return requestBody;
}

/**
 * Named parts, documented as FastAPI documents several body parameters: one object schema under
 * `components/schemas` named `Body_<operationId>`, a property per part, required when any part is.
 */
function buildPartsBody(parts: BodyParts, consumes: string[] | undefined, schemas: SchemaComponents, name: string, operationId: string): RequestBodyObject {
  const title = `Body_${operationId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [part, schema] of Object.entries(parts)) {
    properties[part] = schemas.convert(schema, `the body part "${part}" of ${name}`, 'input');
    if (!isOmittablePart(schema)) required.push(part);
  }
  const body: JsonSchema = { title, type: 'object', properties };
  if (required.length > 0) body.required = required;
  const ref = schemas.define(title, body, `the body of ${name}`);
  const content = Object.fromEntries((consumes ?? ['application/json']).map((type) => [type, { schema: ref }]));
  return { required: required.length > 0, content };
}

function buildResponses(route: RouteDefinition, schemas: SchemaComponents): Record<string, ResponseObject> {
  const { options } = route;
  const name = routeName(route.method, route.path);
  const declared = options.response ?? {};
  const success = options.status ?? 200;
  const responses: Record<string, ResponseObject> = {};
  const statuses = Object.keys(declared).map(Number);
  // A route that declares no schema for its own status still answers with it; `unfiltered` ones send any value.
  for (const status of [success, ...(options.unfiltered ?? [])]) if (!statuses.includes(status)) statuses.push(status);
  for (const status of statuses.sort((a, b) => a - b)) {
    const schema = declared[status];
    const description =
      typeof schema?.description === 'string' ? schema.description : status === success ? 'Successful Response' : (STATUS_CODES[status] ?? `Status ${status}`);
    const response: ResponseObject = { description };
    const streamed = status === success ? streamedContent(route) : null;
    if (streamed !== null) response.content = streamed;
    else if (!EMPTY.has(status)) {
      response.content = { 'application/json': { schema: schema === undefined ? {} : schemas.convert(schema, `the ${status} response of ${name}`, 'output') } };
    }
    responses[String(status)] = response;
  }
  // Every route that validates input can answer 422, as FastAPI documents it.
  const validates = PARTS.some(([option]) => options[option] !== undefined) || options.body !== undefined;
  if (validates && responses['422'] === undefined) {
    const item = schemas.define('ValidationError', VALIDATION_ERROR);
    const error = schemas.define('HTTPValidationError', httpValidationError(item));
    responses['422'] = { description: 'Validation Error', content: { 'application/json': { schema: error } } };
  }
  return responses;
}

/**
 * A route that declares `responseClass` answers its status with that body, not JSON (FastAPI's
 * `response_class`): an event stream is text, a stream or file is bytes of its `mediaType`.
 */
function streamedContent(route: RouteDefinition): ResponseObject['content'] | null {
  const { responseClass, mediaType } = route.options;
  if (responseClass === 'sse') return { 'text/event-stream': { schema: { type: 'string' } } };
  if (responseClass === 'stream' || responseClass === 'file') {
    return { [mediaType ?? 'application/octet-stream']: { schema: { type: 'string', format: 'binary' } } };
  }
  return null;
}

/**
 * One requirement naming every scheme the route's dependencies check (all of them must pass), or
 * `[]`, said outright as Redocly's recommended rules ask: the operation needs no credentials.
 */
function buildSecurity(route: RouteDefinition, schemes: Map<string, SecurityInfo & { route: string }>): Record<string, string[]>[] {
  const used = securityOf(route);
  if (used.length === 0) return [];
  const name = routeName(route.method, route.path);
  for (const info of used) {
    const earlier = schemes.get(info.schemeName);
    if (earlier === undefined) schemes.set(info.schemeName, { ...info, route: name });
    else if (!isDeepStrictEqual(earlier.scheme, info.scheme)) {
      throw new LoopwiseError(
        'LW_ERR_OPENAPI',
        `two different security schemes are named "${info.schemeName}" (used by ${earlier.route} and ${name}); give one a different schemeName.`,
      );
    }
  }
  return [Object.fromEntries(used.map((info) => [info.schemeName, info.scopes]))];
}

function uniqueId(base: string, taken: Map<string, string>, route: RouteDefinition): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
  taken.set(id, routeName(route.method, route.path));
  return id;
}

/** The tags the app describes, in its order, then any other tag a route uses, by name. */
function documentTags(described: TagObject[], used: Set<string>): TagObject[] {
  const tags = described.map((tag) => ({ ...tag }));
  const named = new Set(tags.map((tag) => tag.name));
  for (const tag of used) if (!named.has(tag)) tags.push({ name: tag });
  return tags;
}
