// One request to a route before it is loaded, to find the streams: a handler does not declare that
// it answers with sse() or stream(), and loading a stream that never ends would only measure
// timeouts. An event stream says so in its content type; another stream is a body still coming
// a while after its headers.
import { request } from 'node:http';

/** How long a body may keep coming after its headers before the route counts as a stream. */
export const STREAM_AFTER_MS = 1000;
/** A route this slow to send its headers is loaded, not judged: the run will show it. */
const HEADERS_WITHIN_MS = 3000;

/** Why the route is a stream (a skip reason), or null when it answered like a request/response route. */
export function probeStream(url: string, method: string, headers: Record<string, string>): Promise<string | null> {
  return new Promise((resolve) => {
    // No keep-alive agent: the probe's connection closes with it and does not linger into the runs.
    const req = request(url, { method, headers, agent: false });
    const done = (reason: string | null): void => {
      clearTimeout(timer);
      req.destroy();
      resolve(reason);
    };
    let timer = setTimeout(() => done(null), HEADERS_WITHIN_MS);
    req.on('error', () => done(null));
    req.on('response', (res) => {
      const type = String(res.headers['content-type'] ?? '').toLowerCase();
      if (type.startsWith('text/event-stream')) {
        done('server-sent events (a stream that stays open)');
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(() => done(`a streamed body (still coming ${STREAM_AFTER_MS / 1000} s after its headers)`), STREAM_AFTER_MS);
      res.on('error', () => done(null));
      res.on('end', () => done(null));
      res.resume();
    });
    req.end();
  });
}
