import { Kind, OptionalKind, Type, type SchemaOptions, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { positiveInteger } from '../option-checks.js';
import type { UploadFile } from './upload-file.js';

const UPLOAD_KIND = 'UploadFile';

export interface UploadSchemaOptions extends SchemaOptions {
  /** Bytes a file in this field may have (413 past it); the route's `multipart.maxFileSize` otherwise. */
  maxSize?: number;
}

/** The schema `upload()` returns: documented as a binary string, an `UploadFile` to the handler. */
export type TUploadFile = TUnsafe<UploadFile>;

/**
 * A file field of a `multipart/form-data` body (FastAPI's `UploadFile = File()`):
 * `body: t.Object({ title: t.String(), file: upload(), photos: t.Array(upload()) })`, with
 * `consumes: ['multipart/form-data']`. The handler gets an `UploadFile`; the OpenAPI document
 * shows `{ type: 'string', format: 'binary' }`, so Swagger UI offers a file picker.
 */
export function upload(options: UploadSchemaOptions = {}): TUploadFile {
  const { maxSize, ...rest } = options;
  if (maxSize !== undefined) positiveInteger(maxSize, 'upload() maxSize', { unit: 'bytes', code: 'LW_ERR_SCHEMA_INVALID' });
  const schema = Type.Unsafe<UploadFile>({ ...rest, [Kind]: UPLOAD_KIND, type: 'string', format: 'binary' });
  // Not a JSON Schema keyword: kept off the document (symbol keys are not written).
  if (maxSize !== undefined) (schema as unknown as Record<symbol, unknown>)[MAX_SIZE] = maxSize;
  return schema;
}

const MAX_SIZE = Symbol.for('loopwise.upload.maxSize');

export function isUploadSchema(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && (schema as Record<symbol, unknown>)[Kind] === UPLOAD_KIND;
}

/** A file field of a body schema: one file or a list of them. */
export interface FileField {
  name: string;
  list: boolean;
  required: boolean;
  maxSize: number | undefined;
  minItems: number | undefined;
  maxItems: number | undefined;
}

/** The file fields of a body schema; `[]` for a schema without any (or one that is not an object). */
export function fileFieldsOf(schema: TSchema): FileField[] {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties;
  if (typeof properties !== 'object' || properties === null) return [];
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const fields: FileField[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const items = (property as { items?: unknown }).items;
    const list = property.type === 'array' && isUploadSchema(items);
    if (!list && !isUploadSchema(property)) continue;
    const file = (list ? items : property) as Record<symbol, unknown>;
    fields.push({
      name,
      list,
      required: required.has(name) && property[OptionalKind] !== 'Optional',
      maxSize: file[MAX_SIZE] as number | undefined,
      minItems: list ? (property.minItems as number | undefined) : undefined,
      maxItems: list ? (property.maxItems as number | undefined) : undefined,
    });
  }
  return fields;
}

/**
 * Whether a body schema uses upload() where loopwise cannot put a file: anywhere but as a field of
 * the body object or a list of them (the body itself, a nested object, a union).
 */
export function hasMisplacedUpload(body: TSchema): boolean {
  const properties = (body as { properties?: Record<string, TSchema> }).properties;
  if (typeof properties !== 'object' || properties === null) return containsUpload(body);
  for (const [key, value] of Object.entries(body)) {
    if (key === 'properties') continue;
    if (containsUpload(value)) return true;
  }
  for (const property of Object.values(properties)) {
    if (isUploadSchema(property)) continue;
    if (property.type === 'array' && isUploadSchema(property.items)) {
      const { items: _items, ...rest } = property;
      if (containsUpload(rest)) return true;
      continue;
    }
    if (containsUpload(property)) return true;
  }
  return false;
}

function containsUpload(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (isUploadSchema(value)) return true;
  return Object.values(value).some(containsUpload);
}
