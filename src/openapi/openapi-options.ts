import { LoopwiseError } from '../errors.js';
import type { InfoObject, ServerObject, TagObject } from './types.js';

/** The App's `openapi` option: where the document and the docs pages live, and what the document says besides the routes. */
export interface OpenApiOptions {
  /** Where the document is served. Default '/openapi.json'; false serves no document and no docs pages. */
  path?: string | false;
  /** Swagger UI's page. Default '/docs'; false for none. */
  docs?: string | false;
  /** ReDoc's page. Default '/redoc'; false for none. */
  redoc?: string | false;
  /** Default `[{ url: '/' }]`, the server that serves the document. */
  servers?: ServerObject[];
  /** Descriptions (and order) of the tags routes use (FastAPI's `openapi_tags`). */
  tags?: TagObject[];
  summary?: string;
  termsOfService?: string;
  contact?: InfoObject['contact'];
  license?: InfoObject['license'];
  /** Extra SwaggerUIBundle parameters, e.g. `{ docExpansion: 'none' }` (FastAPI's `swagger_ui_parameters`). */
  swaggerUi?: Record<string, unknown>;
}

export interface OpenApiSettings {
  path: string | false;
  docs: string | false;
  redoc: string | false;
  servers: ServerObject[] | undefined;
  tags: TagObject[];
  info: Omit<InfoObject, 'title' | 'version' | 'description'>;
  swaggerUi: Record<string, unknown>;
}

export function openApiSettings(option: OpenApiOptions | false | undefined): OpenApiSettings {
  const options = option === false ? { path: false as const } : (option ?? {});
  const path = pagePath(options.path, '/openapi.json', 'openapi.path');
  // The pages show the document: without one they have nothing to show.
  const docs = path === false ? false : pagePath(options.docs, '/docs', 'openapi.docs');
  const redoc = path === false ? false : pagePath(options.redoc, '/redoc', 'openapi.redoc');
  const info: OpenApiSettings['info'] = {};
  if (options.summary !== undefined) info.summary = options.summary;
  if (options.termsOfService !== undefined) info.termsOfService = options.termsOfService;
  if (options.contact !== undefined) info.contact = options.contact;
  if (options.license !== undefined) info.license = options.license;
  return { path, docs, redoc, servers: options.servers, tags: options.tags ?? [], info, swaggerUi: options.swaggerUi ?? {} };
}

function pagePath(value: string | false | undefined, fallback: string, name: string): string | false {
  if (value === undefined) return fallback;
  if (value === false) return false;
  if (typeof value !== 'string' || !value.startsWith('/') || value.length < 2 || value.endsWith('/') || /[:*?#]/.test(value)) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `${name} must be a path such as "${fallback}" (starting with "/", no trailing "/"), or false; got ${JSON.stringify(value)}.`);
  }
  return value;
}
