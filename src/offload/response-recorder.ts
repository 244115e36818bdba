import type { OutgoingHttpHeaders } from 'node:http';
import type { ResponseSink } from '../pipeline/send.js';
import type { RecordedResponse } from './messages.js';

/**
 * The response sink on a worker thread: the route's runner writes into it exactly as into a
 * ServerResponse, and the one writeHead + end it records is replayed on the socket by the main thread.
 */
export class ResponseRecorder implements ResponseSink {
  headersSent = false;
  readonly done: Promise<RecordedResponse>;
  private status = 500;
  private headers: OutgoingHttpHeaders | undefined = undefined;
  private finish!: (response: RecordedResponse) => void;

  constructor() {
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  writeHead(status: number, headers?: OutgoingHttpHeaders): this {
    this.status = status;
    this.headers = headers;
    this.headersSent = true;
    return this;
  }

  end(body?: string | Uint8Array): void {
    this.finish({ status: this.status, headers: this.headers, body, destroyed: false });
  }

  destroy(): void {
    this.finish({ status: this.status, headers: this.headers, body: undefined, destroyed: true });
  }
}
