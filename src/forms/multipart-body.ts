import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TSchema } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';
import type { RouteOptions } from '../route.js';
import type { ValidationLimits } from '../schema/validation-limits.js';
import { compileValidator, type SchemaNamespace } from '../schema/validator.js';
import { isBodyParts, partsSchema } from '../schema/body-parts.js';
import { protoKeyRefused } from '../pipeline/forbidden-keys.js';
import type { ValidationIssue } from '../schema/validation-issue.js';
import { multipartSettings, type MultipartOptions } from './multipart-options.js';
import { readMultipart, type ParsedMultipart } from './parse-multipart.js';
import { UploadFile } from './upload-file.js';
import { fileFieldsOf, hasMisplacedUpload, type FileField } from './upload-schema.js';
import { UploadSession } from './upload-session.js';
import { quoteMissingFieldsAsNull } from './missing-fields.js';

export const MULTIPART = 'multipart/form-data';

/** A route's multipart body: read (streamed, limited, spooled) and validated (text coerced, files checked). */
export interface MultipartBody {
  /** Reads the request; its uploads are released once `response` is done, whatever happens. */
  read(request: IncomingMessage, response: ServerResponse, done: (error: Error | null, parsed: ParsedMultipart | null) => void): void;
  /** The handler's body: text fields coerced to their types, files as UploadFile (lists for list fields). */
  validate(parsed: ParsedMultipart): { value: Record<string, unknown>; issues: ValidationIssue[] };
}

/** Whether the request says it is multipart/form-data (any parameters after it). */
export function isMultipartRequest(request: IncomingMessage): boolean {
  const header = request.headers['content-type'];
  if (header === undefined || header.length < MULTIPART.length) return false;
  if (header.slice(0, MULTIPART.length).toLowerCase() !== MULTIPART) return false;
  const next = header.charCodeAt(MULTIPART.length);
  return Number.isNaN(next) || next === 59 /* ; */ || next === 32 /* space */ || next === 9 /* tab */;
}

/**
 * Checks, at startup, that a route's body and `consumes` fit together, and compiles its multipart
 * body if it takes one: `null` for every other route, which then compiles exactly as before.
 */
export function compileMultipartBody(options: RouteOptions, app: MultipartOptions | undefined, name: string, namespace?: SchemaNamespace, limits?: ValidationLimits): MultipartBody | null {
  // Named parts are checked as the one object they make (compile-route.ts refuses them for multipart).
  const schema = options.body === undefined || !isBodyParts(options.body) ? options.body : partsSchema(options.body);
  const consumes = options.consumes;
  const takesMultipart = consumes !== undefined && consumes.includes(MULTIPART);
  if (!takesMultipart && options.multipart !== undefined) {
    throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `${name} sets multipart limits but does not take multipart bodies; add consumes: ['${MULTIPART}'] or remove them.`);
  }
  if (schema === undefined) {
    if (takesMultipart) throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `${name} consumes ${MULTIPART} but declares no body; declare its fields: body: t.Object({ ... }).`);
    return null;
  }
  if (hasMisplacedUpload(schema)) {
    throw new LoopwiseError(
      'LW_ERR_INVALID_ROUTE',
      `the body of ${name} uses upload() where no file can arrive; use it for a field of the body object (file: upload()) or a list of files (files: t.Array(upload())).`,
    );
  }
  const fileFields = fileFieldsOf(schema);
  if (fileFields.length > 0) {
    const others = (consumes ?? []).filter((type) => type !== MULTIPART);
    if (!takesMultipart || others.length > 0) {
      throw new LoopwiseError(
        'LW_ERR_INVALID_ROUTE',
        `the body of ${name} has file fields (${fileFields.map((f) => f.name).join(', ')}), which only ${MULTIPART} carries; set consumes: ['${MULTIPART}'].`,
      );
    }
  }
  if (!takesMultipart) return null;
  const properties = (schema as { properties?: unknown }).properties;
  if (schema.type !== 'object' || typeof properties !== 'object' || properties === null) {
    throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `${name} consumes ${MULTIPART}, so its body must be t.Object({ ... }) of its form fields.`);
  }
  const settings = multipartSettings(app, options.multipart, name);
  const fileLimits = new Map<string, number>();
  for (const field of fileFields) if (field.maxSize !== undefined) fileLimits.set(field.name, field.maxSize);
  const validate = compileFormValidator(schema, fileFields, name, namespace, limits);

  return {
    read(request, response, done) {
      const session = new UploadSession(settings.tempDir);
      // 'close' comes once the response is sent, or the connection is gone: either way, the request is over.
      response.once('close', () => session.release());
      readMultipart(request, settings, fileLimits, session, done);
    },
    validate,
  };
}

function compileFormValidator(schema: TSchema, fileFields: FileField[], name: string, namespace: SchemaNamespace | undefined, limits: ValidationLimits | undefined): MultipartBody['validate'] {
  const names = new Set(fileFields.map((field) => field.name));
  const textSchema = names.size === 0 ? schema : withoutProperties(schema, names);
  const validateText = compileValidator(textSchema, 'body', { coerce: true, route: name, namespace, limits });
  const order = new Map(Object.keys(schema.properties as object).map((key, index) => [key, index]));
  const rank = (issue: ValidationIssue): number => order.get(String(issue.loc[1])) ?? order.size;

  return (parsed) => {
    // Refused as in urlencoded forms and query strings (src/pipeline/forbidden-keys.ts): one rule for every encoding.
    if (Object.hasOwn(parsed.fields, '__proto__') || parsed.files.has('__proto__')) throw protoKeyRefused('form body');
    const value: Record<string, unknown> = {};
    for (const key of Object.keys(parsed.fields)) {
      if (!names.has(key)) value[key] = parsed.fields[key];
    }
    // Files sent under names that are not file fields meet the schema as they are (a string field says "string_type").
    for (const [key, list] of parsed.files) {
      if (!names.has(key)) value[key] = list.length === 1 ? list[0] : list;
    }
    const issues = validateText(value) ?? [];
    quoteMissingFieldsAsNull(issues);
    for (const field of fileFields) {
      const list = parsed.files.get(field.name);
      if (list === undefined) {
        const text = parsed.fields[field.name];
        if (text !== undefined) notAFile(field, text, issues);
        else if (field.required) issues.push({ type: 'missing', loc: ['body', field.name], msg: 'Field required', input: null });
        continue;
      }
      if (!field.list) {
        value[field.name] = list[list.length - 1]; // a repeated single field keeps the last, as FastAPI's
        continue;
      }
      if (field.minItems !== undefined && list.length < field.minItems) issues.push(listLength(field, 'too_short', 'at least', field.minItems, list));
      else if (field.maxItems !== undefined && list.length > field.maxItems) issues.push(listLength(field, 'too_long', 'at most', field.maxItems, list));
      value[field.name] = list;
    }
    if (issues.length > 1) issues.sort((a, b) => rank(a) - rank(b));
    return { value, issues };
  };
}

/** A text value where a file was expected, in FastAPI's words. */
function notAFile(field: FileField, text: string | string[], issues: ValidationIssue[]): void {
  const issue = (loc: (string | number)[], input: string): ValidationIssue => ({
    type: 'value_error',
    loc,
    msg: "Value error, Expected UploadFile, received: <class 'str'>",
    input,
    ctx: { error: {} },
  });
  if (!field.list) issues.push(issue(['body', field.name], Array.isArray(text) ? text[text.length - 1]! : text));
  else (Array.isArray(text) ? text : [text]).forEach((item, index) => issues.push(issue(['body', field.name, index], item)));
}

function listLength(field: FileField, type: string, words: string, limit: number, list: UploadFile[]): ValidationIssue {
  return {
    type,
    loc: ['body', field.name],
    msg: `List should have ${words} ${limit} item${limit === 1 ? '' : 's'} after validation, not ${list.length}`,
    input: list,
    ctx: { field_type: 'List', [type === 'too_short' ? 'min_length' : 'max_length']: limit, actual_length: list.length },
  };
}

/** The schema without its file fields: what ajv checks of the text fields. */
function withoutProperties(schema: TSchema, names: Set<string>): TSchema {
  const properties = Object.fromEntries(Object.entries(schema.properties as Record<string, TSchema>).filter(([key]) => !names.has(key)));
  const copy: TSchema = { ...schema, properties };
  if (Array.isArray(schema.required)) copy.required = (schema.required as string[]).filter((key) => !names.has(key));
  return copy;
}
