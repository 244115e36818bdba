import { createRequire } from 'node:module';
import type { Ajv, KeywordCxt } from 'ajv';

// ajv's code generator is loaded with the first keyword added, as error-budget.ts does.
const require = createRequire(import.meta.url);

/**
 * Bounds the work of validating one value against a recursive schema. Without recursion, the
 * work is at most (value size × schema size), and the schema is the route's. With it, a union
 * whose branches both descend into the same value checks that value once per path through the
 * unions: `t.Recursive((Self) => t.Union([t.Array(Self), t.Array(t.Union([Self, t.Integer()]))]))`
 * against a 41-byte body nested 40 deep is 2^40 checks, and one request stopped the service.
 *
 * Every recursive step goes through a `$ref`, so each schema node with a `$ref` gets a
 * `loopwiseStep` keyword, run before the `$ref` itself: it counts the step, and past the call's
 * budget it fails, which ends every other path at its next step too. Schemas without a `$ref`
 * are left as they are: their validators are unchanged, and cost nothing more.
 */
export const STEP = 'loopwiseStep';

/**
 * The validation call under way (validation is synchronous, so one object serves every call):
 * `steps` counted so far, its `budget`, and whether it ran out. `startSteps()` before each call.
 */
export const stepState = { steps: 0, budget: Infinity, exceeded: false };

export function startSteps(budget: number): void {
  stepState.steps = 0;
  stepState.budget = budget;
  stepState.exceeded = false;
}

/** Adds `loopwiseStep` to an ajv instance: its check runs before a node's `$ref` (and every other keyword). */
export function addStepKeyword(ajv: Ajv): Ajv {
  const { _ } = require('ajv') as typeof import('ajv');
  ajv.addKeyword({
    keyword: STEP,
    schemaType: 'boolean',
    // The `$ref` is the node's first keyword with code (ajv's core vocabulary); before it, the count
    // is checked before anything descends.
    before: '$ref',
    code(cxt: KeywordCxt) {
      const state = cxt.gen.scopeValue('keyword', { ref: stepState });
      cxt.fail(_`++${state}.steps > ${state}.budget && (${state}.exceeded = true)`);
    },
  });
  return ajv;
}

const copies = new WeakMap<object, unknown>();

/** The schema with a step mark on each node that has a `$ref`; the same object when it has none. */
export function withStepMarks<T>(schema: T): T {
  if (typeof schema !== 'object' || schema === null) return schema;
  let copy = copies.get(schema);
  if (copy === undefined) {
    const found = { ref: false };
    const marked = mark(schema, new Map(), found);
    copies.set(schema, (copy = found.ref ? marked : schema));
  }
  return copy as T;
}

function mark(schema: unknown, seen: Map<object, unknown>, found: { ref: boolean }): unknown {
  if (typeof schema !== 'object' || schema === null) return schema;
  const known = seen.get(schema);
  if (known !== undefined) return known;
  if (Array.isArray(schema)) {
    const list: unknown[] = [];
    seen.set(schema, list);
    for (const item of schema) list.push(mark(item, seen, found));
    return list;
  }
  const source = schema as Record<string | symbol, unknown>;
  // Own symbols too: TypeBox marks its schemas with them. Values that are data, not schemas
  // (`const`, `enum`, `default`, `examples`), are kept as they are: a `$ref` in them is not one.
  const copy: Record<string | symbol, unknown> = {};
  seen.set(schema, copy);
  for (const key of Reflect.ownKeys(source)) copy[key] = DATA_KEYS.has(key) ? source[key] : mark(source[key], seen, found);
  if (typeof source.$ref === 'string') {
    copy[STEP] = true;
    found.ref = true;
  }
  return copy;
}

/** Keywords whose value is data, never a schema: copied as they are. */
const DATA_KEYS = new Set<string | symbol>(['const', 'enum', 'default', 'examples']);
