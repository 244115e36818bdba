// The parts of an OpenAPI 3.1 document loopwise writes. Schemas are JSON Schema 2020-12 objects,
// kept loose: they come from users' TypeBox schemas.

export type JsonSchema = Record<string, unknown>;

export interface ServerObject {
  url: string;
  description?: string;
  variables?: Record<string, { default: string; enum?: string[]; description?: string }>;
}

export interface TagObject {
  name: string;
  description?: string;
  externalDocs?: { url: string; description?: string };
}

export interface InfoObject {
  title: string;
  version: string;
  summary?: string;
  description?: string;
  termsOfService?: string;
  contact?: { name?: string; url?: string; email?: string };
  license?: { name: string; identifier?: string; url?: string };
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: JsonSchema;
  description?: string;
  deprecated?: boolean;
}

export interface MediaTypeObject {
  schema: JsonSchema;
}

export interface RequestBodyObject {
  required: boolean;
  description?: string;
  content: Record<string, MediaTypeObject>;
}

export interface ResponseObject {
  description: string;
  content?: Record<string, MediaTypeObject>;
}

export interface OperationObject {
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  deprecated?: boolean;
  parameters?: ParameterObject[];
  requestBody?: RequestBodyObject;
  responses: Record<string, ResponseObject>;
  security?: Record<string, string[]>[];
  [extension: string]: unknown;
}

export type PathItemObject = Partial<Record<'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch', OperationObject>>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: InfoObject;
  servers: ServerObject[];
  paths: Record<string, PathItemObject>;
  components?: { schemas?: Record<string, JsonSchema>; securitySchemes?: Record<string, JsonSchema> };
  tags?: TagObject[];
  security?: Record<string, string[]>[];
}
