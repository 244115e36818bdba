import { UploadFile } from './upload-file.js';

/**
 * Uploads crossing to a worker thread. An UploadFile is a class with a stream behind it, which
 * structured clone cannot carry; what crosses is its description: name, type, size, and either
 * its bytes (a file under the spool threshold) or the path of its temporary file. The worker
 * rebuilds UploadFiles from it. The main thread keeps owning the temporary files: they are
 * deleted when the response it writes is done.
 */
const MARK = '__loopwise_uploads__';

interface UploadDescription {
  filename: string;
  contentType: string;
  fieldName: string;
  size: number;
  path: string | null;
  data: Uint8Array[] | null;
}

/** The body with each UploadFile (or list of them) replaced by its description; the same body if it has none. */
export function describeUploads(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const record = body as Record<string, unknown>;
  let described: Record<string, unknown> | null = null;
  const keys: string[] = [];
  for (const key of Object.keys(record)) {
    const value = record[key];
    const isFile = value instanceof UploadFile;
    const isList = Array.isArray(value) && value.length > 0 && value.every((item) => item instanceof UploadFile);
    if (!isFile && !isList) continue;
    described ??= { ...record };
    described[key] = isFile ? describe(value) : (value as UploadFile[]).map(describe);
    keys.push(key);
  }
  if (described === null) return body;
  described[MARK] = keys;
  return described;
}

function describe(file: UploadFile): UploadDescription {
  const chunks = file.memoryChunks();
  return { filename: file.filename, contentType: file.contentType, fieldName: file.fieldName, size: file.size, path: file.path ?? null, data: chunks === null ? null : [...chunks] };
}

/** On the worker thread: the body as the handler expects it, with UploadFiles again. One property check for other bodies. */
export function reviveUploads(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, MARK)) return body;
  const { [MARK]: keys, ...rest } = body as Record<string, unknown>;
  for (const key of keys as string[]) {
    const value = rest[key];
    rest[key] = Array.isArray(value) ? value.map(revive) : revive(value);
  }
  return rest;
}

function revive(value: unknown): UploadFile {
  const description = value as UploadDescription;
  const { filename, contentType, fieldName, size } = description;
  if (description.path !== null) return new UploadFile({ filename, contentType, fieldName, size, path: description.path });
  return new UploadFile({ filename, contentType, fieldName, size, data: (description.data ?? []).map((chunk) => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)) });
}
