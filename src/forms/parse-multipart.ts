import type { IncomingMessage } from 'node:http';
import type { WriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import type { BusboyFileStream, BusboyInstance } from '@fastify/busboy';
import { HTTPException } from '../errors.js';
import { ClientAbortedError, abandonBody } from '../pipeline/read-body.js';
import type { MultipartSettings } from './multipart-options.js';
import { UploadFile } from './upload-file.js';
import type { UploadSession } from './upload-session.js';

const require = createRequire(import.meta.url);

/** A multipart body as it arrived: text fields (repeated names become lists) and files by field name. */
export interface ParsedMultipart {
  /** No prototype: field names are the client's. */
  fields: Record<string, string | string[]>;
  files: Map<string, UploadFile[]>;
}

export type MultipartCallback = (error: Error | null, parsed: ParsedMultipart | null) => void;

/** 413 naming the limit that was hit; `Connection: close` drops the rest of the upload with the socket. */
export function uploadTooLarge(detail: string): HTTPException {
  return new HTTPException(413, detail, { connection: 'close' });
}

function malformed(reason: string): HTTPException {
  return new HTTPException(400, `Invalid multipart/form-data body: ${reason}`, { connection: 'close' });
}

/**
 * Streams a `multipart/form-data` request through busboy, then calls `done` once. Text fields are
 * collected; each file is held in memory up to `spoolThreshold` bytes, then written to a temporary
 * file as it arrives, with backpressure from the disk through busboy to the socket, so a large
 * upload never sits in memory. Every limit is enforced while streaming; the first one hit ends the
 * read with 413 (the rest of the upload is discarded and the connection closed after the answer).
 */
export function readMultipart(
  request: IncomingMessage,
  settings: MultipartSettings,
  fileLimits: ReadonlyMap<string, number>,
  session: UploadSession,
  done: MultipartCallback,
): void {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > settings.maxBodySize) {
    abandonBody(request);
    done(uploadTooLarge(bodyTooLarge(settings.maxBodySize)), null);
    return;
  }

  let parser: BusboyInstance;
  try {
    // Loaded on the first upload, not at start: most apps take no multipart body.
    const { Busboy } = require('@fastify/busboy') as typeof import('@fastify/busboy');
    parser = Busboy({
      headers: request.headers as { 'content-type': string },
      limits: {
        files: settings.maxFiles,
        fields: settings.maxFields,
        fieldSize: settings.maxFieldSize,
      },
    });
  } catch (error) {
    const message = (error as Error).message;
    abandonBody(request);
    done(malformed(message.includes('Boundary') ? 'the Content-Type header has no boundary parameter' : message), null);
    return;
  }

  const fields: Record<string, string | string[]> = Object.create(null);
  // In the order the files arrived (a small file is stored before a larger one sent ahead of it).
  const arrived: { field: string; file: UploadFile | null }[] = [];
  const streams = new Set<BusboyFileStream>();
  let received = 0;
  let fieldBytes = 0; // text held in `fields`: bounded apart from files, which spool to disk
  let pending = 0; // files whose bytes are still being stored
  let parsed = false;
  let settled = false;

  function fail(error: Error): void {
    if (settled) return;
    settled = true;
    request.removeListener('data', onData);
    if (!(error instanceof ClientAbortedError)) abandonBody(request);
    // Parts already in flight are drained into nothing; their temporary files go with the session.
    for (const stream of streams) {
      stream.removeAllListeners('data');
      stream.on('error', () => {});
      stream.resume();
    }
    done(error, null);
  }

  function finishIfDone(): void {
    if (settled || !parsed || pending > 0) return;
    settled = true;
    const files = new Map<string, UploadFile[]>();
    for (const { field, file } of arrived) {
      if (file === null) continue;
      const list = files.get(field);
      if (list === undefined) files.set(field, [file]);
      else list.push(file);
    }
    done(null, { fields, files });
  }

  function onData(chunk: Buffer): void {
    received += chunk.length;
    if (received > settings.maxBodySize) {
      fail(uploadTooLarge(bodyTooLarge(settings.maxBodySize)));
      return;
    }
    if (!parser.write(chunk)) request.pause();
  }

  parser.on('drain', () => {
    if (!settled) request.resume();
  });
  parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
    if (settled) return;
    if (valueTruncated) {
      fail(uploadTooLarge(`Form field '${name}' is larger than the limit of ${settings.maxFieldSize} bytes per field`));
      return;
    }
    fieldBytes += Buffer.byteLength(value);
    if (fieldBytes > settings.maxFieldsTotalSize) {
      fail(uploadTooLarge(`Form field '${name}' takes the form's text fields past the limit of ${settings.maxFieldsTotalSize} bytes in all`));
      return;
    }
    const earlier = fields[name];
    fields[name] = earlier === undefined ? value : Array.isArray(earlier) ? [...earlier, value] : [earlier, value];
  });
  parser.on('file', (name, stream, filename, _encoding, contentType) => {
    if (settled) {
      stream.resume();
      return;
    }
    pending++;
    streams.add(stream);
    // A part sent as application/octet-stream without a filename is a file with no name.
    storeFile(stream, name, filename ?? '', contentType);
  });
  parser.on('filesLimit', () => fail(uploadTooLarge(`Too many files: the limit is ${settings.maxFiles} per request`)));
  parser.on('fieldsLimit', () => fail(uploadTooLarge(`Too many form fields: the limit is ${settings.maxFields} per request`)));
  parser.on('error', (error: Error) => fail(malformed(`${error.message} (does the body use the boundary its Content-Type names?)`)));
  parser.on('finish', () => {
    parsed = true;
    finishIfDone();
  });

  request.on('data', onData);
  request.on('end', () => {
    if (!settled) parser.end();
  });
  // An aborted upload ends in 'error' (ECONNRESET, "aborted"): nobody is left to answer.
  request.on('error', () => fail(new ClientAbortedError()));

  function storeFile(stream: BusboyFileStream, field: string, filename: string, contentType: string): void {
    const limit = fileLimits.get(field) ?? settings.maxFileSize;
    const slot: { field: string; file: UploadFile | null } = { field, file: null };
    arrived.push(slot);
    const chunks: Buffer[] = [];
    let size = 0;
    let spool: { path: string; stream: WriteStream } | null = null;

    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        fail(uploadTooLarge(`File '${filename}' in field '${field}' is larger than the limit of ${limit} bytes per file`));
        return;
      }
      if (spool === null && size > settings.spoolThreshold) {
        spool = session.createTemporary();
        spool.stream.on('error', (error) => fail(error));
        for (const held of chunks) spool.stream.write(held);
        chunks.length = 0;
      }
      if (spool === null) {
        chunks.push(chunk);
      } else if (!spool.stream.write(chunk)) {
        // The disk is slower than the socket: stop reading until it catches up.
        stream.pause();
        spool.stream.once('drain', () => stream.resume());
      }
    });
    stream.on('error', (error: Error) => fail(malformed(error.message)));
    stream.on('end', () => {
      if (settled) return;
      const complete = (init: { path?: string; data?: Buffer }): void => {
        if (settled) return;
        streams.delete(stream);
        pending--;
        // A browser sends an empty file part for a file input left blank: that is no file.
        if (!(filename === '' && size === 0)) {
          slot.file = new UploadFile({ filename, contentType, fieldName: field, size, ...init });
          session.add(slot.file);
        }
        finishIfDone();
      };
      if (spool === null) {
        // One copy, so the file does not keep the socket's larger read buffers alive.
        complete({ data: chunks.length === 1 ? Buffer.from(chunks[0]!) : Buffer.concat(chunks, size) });
        return;
      }
      const path = spool.path;
      spool.stream.end();
      spool.stream.once('close', () => complete({ path }));
    });
  }
}

function bodyTooLarge(limit: number): string {
  return `Multipart body is larger than the limit of ${limit} bytes`;
}
