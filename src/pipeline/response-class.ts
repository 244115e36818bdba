import { LoopwiseError } from '../errors.js';
import { isOffloaded } from '../queue/bullmq-config.js';
import type { ResponseClass, RouteDefinition } from '../route.js';

const CLASSES: readonly ResponseClass[] = ['sse', 'stream', 'file'];
const WHAT: Record<ResponseClass, string> = { sse: 'an event stream', stream: 'a stream', file: 'a file' };
// type "/" subtype, with parameters: what a Content-Type header may carry.
const MEDIA_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;.*)?$/;

/**
 * At startup (compileRoute runs it for every route): a declared `responseClass` is one loopwise
 * knows, its `mediaType` fits it, and the route is not offloaded, since an sse(), stream() or
 * file() answer cannot come back from a worker thread. A route that returns one without declaring
 * it is caught per request instead (LW_ERR_OFFLOAD_RESULT, src/pipeline/send.ts).
 */
export function checkResponseClass(route: RouteDefinition, name: string): void {
  const { responseClass, mediaType, offload, response } = route.options;
  if (responseClass === undefined) {
    if (mediaType !== undefined) {
      throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `${name} sets mediaType, which describes a streamed body: declare responseClass: 'stream' or 'file' with it.`);
    }
    return;
  }
  if (!CLASSES.includes(responseClass)) {
    throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `responseClass of ${name} must be 'sse', 'stream' or 'file', not ${JSON.stringify(responseClass)}.`);
  }
  if (mediaType !== undefined && (responseClass === 'sse' || typeof mediaType !== 'string' || !MEDIA_TYPE.test(mediaType))) {
    throw new LoopwiseError(
      'LW_ERR_INVALID_ROUTE',
      responseClass === 'sse'
        ? `${name} sets mediaType beside responseClass: 'sse', which is always text/event-stream: remove mediaType.`
        : `mediaType of ${name} must be a media type such as "application/pdf", not ${JSON.stringify(mediaType)}.`,
    );
  }
  const own = route.options.status ?? 200;
  if (response?.[own] !== undefined) {
    throw new LoopwiseError(
      'LW_ERR_INVALID_ROUTE',
      `${name} answers status ${own} with ${WHAT[responseClass]} (responseClass: '${responseClass}'), which no JSON schema describes: remove response[${own}].`,
    );
  }
  if (isOffloaded(offload)) {
    throw new LoopwiseError(
      'LW_ERR_INVALID_ROUTE',
      `${name} is offloaded but answers with ${WHAT[responseClass]} (responseClass: '${responseClass}'), which cannot come back from a worker thread. ` +
        'Serve it from an inline route (offload: false on the route, if its Router or App offloads) and run the heavy work with task(): see docs/streaming.md.',
    );
  }
}
