import { randomBytes } from 'node:crypto';

/** A form field's value: numbers and booleans are sent as their text, as an HTML form would. */
export type FormValue = string | number | boolean;
/** Form fields (`form`); an array repeats the field, e.g. `tags: ['a', 'b']`. */
export type FormFields = Record<string, FormValue | readonly FormValue[]>;

/** A file to upload (FastAPI's `files={'file': (name, content, type)}`). */
export interface TestFile {
  /** The filename the client reports. */
  name: string;
  /** Its media type; default `application/octet-stream`. */
  type?: string;
  content: string | Buffer | Uint8Array;
}
/** File fields (`files`); an array sends several files under one name. */
export type FileFields = Record<string, TestFile | readonly TestFile[]>;

/** What a request sends: the body's bytes (or `body` as given, for light-my-request) and its media type. */
export interface EncodedBody {
  payload: unknown;
  contentType: string | undefined;
}

/** The body options of inject() and the test client. */
export interface BodyOptions {
  /** An object is sent as JSON; a string or Buffer as given. */
  body?: unknown;
  /** Sent as JSON (`application/json`), whatever it is: a string becomes a JSON string. */
  json?: unknown;
  /** Sent as `application/x-www-form-urlencoded`, or with `files` as `multipart/form-data`. */
  form?: FormFields;
  /** Sent as `multipart/form-data`, with the `form` fields before them. */
  files?: FileFields;
}

/**
 * Encodes a request's body from the one body option given. Throws a TypeError naming the mistake
 * when two are given (the request would be ambiguous) or a value cannot be sent.
 */
export function encodeBody(options: BodyOptions, what: string): EncodedBody {
  const given = (['body', 'json', 'form', 'files'] as const).filter((key) => options[key] !== undefined);
  const multipart = options.files !== undefined;
  if (given.length > 1 && !(multipart && given.length === 2 && options.form !== undefined)) {
    throw new TypeError(`${what}: give one of body, json, form or files (form may go with files, for a multipart body); got ${given.join(' and ')}.`);
  }
  if (multipart) return encodeMultipart(options.form ?? {}, options.files!, what);
  if (options.form !== undefined) return { payload: encodeUrlencoded(options.form, what), contentType: 'application/x-www-form-urlencoded' };
  if (options.json !== undefined) return { payload: JSON.stringify(options.json), contentType: 'application/json' };
  // As before these options: light-my-request sends an object as JSON, a string, Buffer, stream or FormData as it is.
  return { payload: options.body, contentType: undefined };
}

function encodeUrlencoded(form: FormFields, what: string): string {
  const params = new URLSearchParams();
  for (const [name, value] of fieldEntries(form, what)) params.append(name, value);
  return params.toString();
}

function fieldEntries(form: FormFields, what: string): [string, string][] {
  if (typeof form !== 'object' || form === null || Array.isArray(form)) throw new TypeError(`${what}: form must be an object of fields, e.g. { username: 'alice' }.`);
  const entries: [string, string][] = [];
  for (const [name, value] of Object.entries(form)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (!['string', 'number', 'boolean'].includes(typeof item)) {
        throw new TypeError(`${what}: form field "${name}" must be a string, number or boolean (or an array of them); a file goes in files.`);
      }
      entries.push([name, String(item)]);
    }
  }
  return entries;
}

/** Browsers' escaping of names in a multipart header (WHATWG HTML), so a name cannot break its header. */
function headerName(name: string): string {
  return name.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}

function encodeMultipart(form: FormFields, files: FileFields, what: string): EncodedBody {
  const parts: { header: string; content: Buffer }[] = [];
  for (const [name, value] of fieldEntries(form, what)) {
    parts.push({ header: `Content-Disposition: form-data; name="${headerName(name)}"`, content: Buffer.from(value) });
  }
  if (typeof files !== 'object' || files === null || Array.isArray(files)) throw new TypeError(`${what}: files must be an object of file fields, e.g. { file: { name: 'a.txt', content: 'hi' } }.`);
  for (const [name, value] of Object.entries(files)) {
    for (const file of Array.isArray(value) ? value : [value as TestFile]) {
      if (typeof file !== 'object' || file === null || typeof file.name !== 'string' || !isContent(file.content)) {
        throw new TypeError(`${what}: file field "${name}" must be { name: string, type?: string, content: string | Buffer | Uint8Array }.`);
      }
      const type = file.type ?? 'application/octet-stream';
      if (/[\r\n]/.test(type)) throw new TypeError(`${what}: file field "${name}" has a type with a line break.`);
      parts.push({
        header: `Content-Disposition: form-data; name="${headerName(name)}"; filename="${headerName(file.name)}"\r\nContent-Type: ${type}`,
        content: Buffer.from(file.content as Uint8Array),
      });
    }
  }
  let boundary = `loopwise-${randomBytes(12).toString('hex')}`;
  // A boundary must not occur in the content; with 96 random bits this only loops for content made to collide.
  while (parts.some((part) => part.content.includes(boundary))) boundary = `loopwise-${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) chunks.push(Buffer.from(`--${boundary}\r\n${part.header}\r\n\r\n`), part.content, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

function isContent(content: unknown): boolean {
  return typeof content === 'string' || content instanceof Uint8Array;
}
