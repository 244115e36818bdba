import { createRequire } from 'node:module';
import type FastJson from 'fast-json-stringify';
import type { TSchema } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';

// Loaded when the first response schema is compiled: routes without one never need it.
const require = createRequire(import.meta.url);

/** Turns a handler's return value into the JSON text that leaves the server. */
export type Serializer = (value: unknown) => string;

/**
 * Compiles a response schema into a serializer that writes only the fields the schema names:
 * whatever else the handler returned (a password hash, internal ids) never leaves the server.
 */
export function compileSerializer(schema: TSchema, route: string, status: number, referenced: Record<string, object> = {}): Serializer {
  const fastJson: typeof FastJson = require('fast-json-stringify');
  try {
    // `referenced`: the App's named schemas this one refers to by `$ref` (a t.Ref(Item)), by $id.
    return fastJson(schema as unknown as Parameters<typeof FastJson>[0], { schema: referenced as NonNullable<Parameters<typeof FastJson>[1]>['schema'] }) as Serializer;
  } catch (error) {
    throw new LoopwiseError(
      'LW_ERR_SCHEMA_INVALID',
      `the response schema for status ${status} of ${route} cannot be compiled (${(error as Error).message}).`,
      { cause: error },
    );
  }
}

/** Without a response schema the value is sent as JSON.stringify writes it; undefined becomes null. */
export const serializeAny: Serializer = (value) => JSON.stringify(value) ?? 'null';
