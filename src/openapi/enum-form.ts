import type { JsonSchema } from './types.js';

/**
 * A union of constants (`t.Enum`, `t.Union` of `t.Literal`s) written as FastAPI documents an Enum
 * or a Literal: `{"enum": [...], "type": "string"}` rather than `anyOf` of `const`s. The type is
 * written when every value has the same one, as Pydantic does. Other schemas are returned as they are.
 */
export function constantsAsEnum(schema: JsonSchema): JsonSchema {
  const branches = schema.anyOf;
  if (!Array.isArray(branches) || branches.length === 0) return schema;
  const values: unknown[] = [];
  const types = new Set<unknown>();
  for (const branch of branches) {
    if (typeof branch !== 'object' || branch === null || !('const' in branch)) return schema;
    // Only a bare constant (its `const` and `type`): a branch with a description of its own keeps the anyOf.
    if (Object.keys(branch).some((key) => key !== 'const' && key !== 'type')) return schema;
    values.push((branch as { const: unknown }).const);
    const value = (branch as { const: unknown }).const;
    types.add((branch as { type?: unknown }).type ?? (['string', 'number', 'boolean'].includes(typeof value) ? typeof value : null));
  }
  const { anyOf: _replaced, ...rest } = schema;
  const type = types.size === 1 ? [...types][0] : undefined;
  return { ...rest, enum: values, ...(typeof type === 'string' ? { type } : {}) };
}
