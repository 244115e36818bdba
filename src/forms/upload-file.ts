import { createReadStream } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';

/** What an UploadFile is made of; loopwise builds them from the request, tests may build their own. */
export interface UploadFileInit {
  /** The file's name as the client sent it (its last path segment), `''` if none. */
  filename: string;
  /** Default `application/octet-stream`. */
  contentType?: string;
  /** The form field it came in. */
  fieldName?: string;
  /** The contents, in memory. */
  data?: Uint8Array | Uint8Array[] | string;
  /** Or a file holding the contents (then `size` is the file's size). */
  path?: string;
  size?: number;
}

/**
 * An uploaded file (FastAPI's `UploadFile`). Small files are held in memory; larger ones were
 * streamed to a temporary file while the request arrived. Either way, read it with `bytes()`,
 * `text()` or `stream()`, or keep it with `save(path)`, during the request: the temporary file
 * is deleted once the response has been sent.
 */
export class UploadFile {
  readonly filename: string;
  readonly contentType: string;
  readonly fieldName: string;
  /** Bytes. */
  readonly size: number;
  #chunks: Uint8Array[] | null;
  #path: string | null;
  #closed = false;

  constructor(init: UploadFileInit) {
    this.filename = init.filename;
    this.contentType = init.contentType ?? 'application/octet-stream';
    this.fieldName = init.fieldName ?? '';
    this.#path = init.path ?? null;
    const data = init.data;
    this.#chunks = this.#path !== null ? null : data === undefined ? [] : typeof data === 'string' ? [Buffer.from(data)] : Array.isArray(data) ? data : [data];
    this.size = init.size ?? (this.#chunks === null ? 0 : this.#chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  }

  /** The temporary file holding the contents, or `undefined` while they are in memory. */
  get path(): string | undefined {
    return this.#path ?? undefined;
  }

  /** Whether the contents are in memory (under the spool threshold) rather than in a temporary file. */
  get inMemory(): boolean {
    return this.#path === null;
  }

  /** The contents as a stream of bytes, read from memory or the temporary file. */
  stream(): Readable {
    this.#assertOpen();
    if (this.#path !== null) return createReadStream(this.#path);
    return Readable.from(this.#chunks!, { objectMode: false });
  }

  /** All of the contents in one Buffer (FastAPI's `await file.read()`). */
  async bytes(): Promise<Buffer> {
    this.#assertOpen();
    if (this.#path !== null) return readFile(this.#path);
    return Buffer.concat(this.#chunks!, this.size);
  }

  async text(encoding: BufferEncoding = 'utf8'): Promise<string> {
    return (await this.bytes()).toString(encoding);
  }

  /** Copies the contents to `destination` (created or replaced): the way to keep a file past its request. */
  async save(destination: string): Promise<void> {
    this.#assertOpen();
    if (this.#path !== null) await copyFile(this.#path, destination);
    else await writeFile(destination, this.#chunks!.length === 1 ? this.#chunks![0]! : Buffer.concat(this.#chunks!, this.size));
  }

  /** What JSON shows of it (an UploadFile quoted in a 422, or logged). */
  toJSON(): { filename: string; contentType: string; size: number } {
    return { filename: this.filename, contentType: this.contentType, size: this.size };
  }

  /** @internal Called when the request's response is done: reading it after that is a mistake, said clearly. */
  close(): void {
    this.#closed = true;
    this.#chunks = null;
  }

  /** @internal The contents in memory, for crossing to a worker thread. */
  memoryChunks(): readonly Uint8Array[] | null {
    return this.#chunks;
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new Error(
        `the upload "${this.filename}" (field "${this.fieldName}") was released when its request's response was sent; read or save() it in the handler.`,
      );
    }
  }
}
