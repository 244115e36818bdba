import type { JsonSchema } from './types.js';

// The 422 body every validating route can answer, under FastAPI's component names, so clients
// generated for a FastAPI service read loopwise's errors with the same types.

export const VALIDATION_ERROR: JsonSchema = {
  title: 'ValidationError',
  type: 'object',
  required: ['loc', 'msg', 'type'],
  properties: {
    loc: { title: 'Location', type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
    msg: { title: 'Message', type: 'string' },
    type: { title: 'Error Type', type: 'string' },
    input: { title: 'Input' },
    // Its keys depend on the error (`ge`, `max_length`, …): open, so generated clients can read them.
    ctx: { title: 'Context', type: 'object', additionalProperties: true },
  },
};

export function httpValidationError(itemRef: JsonSchema): JsonSchema {
  return {
    title: 'HTTPValidationError',
    type: 'object',
    // loopwise always sends `detail` (FastAPI's schema leaves it optional).
    required: ['detail'],
    properties: { detail: { title: 'Detail', type: 'array', items: itemRef } },
  };
}
