import { deserialize, serialize } from 'node:v8';
import { HTTPException } from '../errors.js';
import type { RecordedResponse, RouteCall, SerializedError } from '../offload/messages.js';
import { reviveError, toSerializedError } from '../offload/serialized-error.js';

// A job's data and result are JSON in Redis; what crosses is what crosses to a worker thread
// (structured clone: Dates, Maps, typed arrays…), so it travels as V8's serialization, in base64.

/** A route job's data: the validated request, and the timeout the worker's pool enforces too. */
export interface RouteJobData {
  call: string;
  timeout: number;
}

/** A route job's result: the response the worker recorded, or why its pool could not run it. */
export type RouteJobResult = { ok: true; recorded: RecordedResponse } | { ok: false; error: SerializedError };

export function encode(value: unknown): string {
  return serialize(value).toString('base64');
}

export function decode<T>(text: string): T {
  return deserialize(Buffer.from(text, 'base64')) as T;
}

export function routeJobData(call: RouteCall, timeout: number): RouteJobData {
  return { call: encode(call), timeout };
}

/** A pool's refusal (503, 504) keeps its status across machines; anything else is a 500. */
export function reviveJobError(error: SerializedError): Error {
  if (error.statusCode === undefined) return reviveError(error);
  return new HTTPException(error.statusCode, error.detail, error.headers);
}

/** An error as plain data, as a worker thread sends it (src/offload/serialized-error.ts). */
export const serializeJobError = toSerializedError;
