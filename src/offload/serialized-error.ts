import { HTTPException, LoopwiseError } from '../errors.js';
import type { SerializedError } from './messages.js';

/**
 * An error as plain data, for another thread or (through a queue) another machine: a clone of the
 * Error itself would drop its class, its status and its code.
 */
export function toSerializedError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), stack: undefined };
  const serialized: SerializedError = { name: error.name, message: error.message, stack: error.stack };
  if (error instanceof HTTPException) {
    serialized.statusCode = error.statusCode;
    serialized.detail = error.detail;
    if (error.headers !== undefined) serialized.headers = error.headers;
  }
  if (error instanceof LoopwiseError) serialized.code = error.code;
  return serialized;
}

/** The failure as an Error here: its name, message, stack and code, as the worker saw them. */
export function reviveError(failure: SerializedError): Error {
  const error = new Error(failure.message);
  error.name = failure.name;
  error.stack = failure.stack;
  if (failure.code !== undefined) (error as Error & { code?: string }).code = failure.code;
  return error;
}
