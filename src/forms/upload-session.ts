import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { UploadFile } from './upload-file.js';

/**
 * One request's uploads and the temporary files behind them. `release()` runs once the response
 * is done (sent, failed or cut off): files still being written are closed, temporary files are
 * deleted, and UploadFiles refuse further reads with a clear error.
 */
export class UploadSession {
  private readonly files: UploadFile[] = [];
  private readonly temporary: { path: string; stream: WriteStream }[] = [];
  private released = false;

  constructor(private readonly tempDir: string) {}

  /** A new temporary file, readable and writable by this process's user only. */
  createTemporary(): { path: string; stream: WriteStream } {
    const path = join(this.tempDir, `loopwise-upload-${randomUUID()}`);
    const stream = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    // The parser listens for errors while it writes; after that (e.g. a late close error) there is nobody to tell.
    stream.on('error', () => {});
    const entry = { path, stream };
    this.temporary.push(entry);
    if (this.released) this.removeTemporary(entry);
    return entry;
  }

  add(file: UploadFile): void {
    this.files.push(file);
    if (this.released) file.close();
  }

  /** Idempotent: the response's 'finish' and 'close' may both call it. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const file of this.files) file.close();
    for (const entry of this.temporary) this.removeTemporary(entry);
  }

  /** A stream still opening or writing is destroyed first, so the file is not recreated or left open after the unlink. */
  private removeTemporary({ path, stream }: { path: string; stream: WriteStream }): void {
    const remove = (): void => {
      unlink(path).catch(() => {}); // already gone (never created, or moved by the user): nothing to do
    };
    if (stream.closed) {
      remove();
      return;
    }
    stream.once('close', remove);
    stream.destroy();
  }
}
