import type { ErrorObject } from 'ajv';
import { Hint } from '@sinclair/typebox';
import { BUDGETED } from './error-budget.js';

/**
 * How Pydantic v2 reports a failed union, worked out from ajv's errors:
 *
 * - `X | None` (one branch besides null) is a nullable X: the errors are X's own, at X's place,
 *   and the null branch's error is dropped (pydantic-core's nullable validator).
 * - A union of constants (`t.Enum`, `t.Union` of `t.Literal`s, with or without null) is one
 *   `enum` / `literal_error` entry listing the allowed values.
 * - Any other union (`int | str`) lists every branch's errors, each `loc` tagged after the
 *   union's place with the branch's name (`["body","x","int"]`, `["body","x","str"]`): pydantic's
 *   smart union. The null branch is left out there too.
 */
export type UnionForm =
  | { kind: 'constants'; values: unknown[]; enumType: boolean }
  | { kind: 'branches'; branches: unknown[]; nullBranches: Set<number>; tagged: boolean };

export function unionForm(branchSchemas: unknown, unionSchema: unknown): UnionForm {
  const branches = Array.isArray(branchSchemas) ? branchSchemas : [];
  const nullBranches = new Set<number>();
  branches.forEach((branch, i) => {
    if (isNullSchema(branch)) nullBranches.add(i);
  });
  const others = branches.filter((_, i) => !nullBranches.has(i));
  if (others.length > 0 && others.every((b) => typeof b === 'object' && b !== null && 'const' in b)) {
    const enumType = typeof unionSchema === 'object' && unionSchema !== null && (unionSchema as Record<symbol, unknown>)[Hint] === 'Enum';
    return { kind: 'constants', values: others.map((b) => (b as { const: unknown }).const), enumType };
  }
  return { kind: 'branches', branches, nullBranches, tagged: others.length > 1 };
}

function isNullSchema(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'null' && !('const' in schema);
}

/** A failed union and how it reads, with the errors found inside it that survive. */
export interface FailedUnion {
  error: ErrorObject;
  form: UnionForm;
  /** How many of its branches' errors are reported; none (the budget cut them) means one `union_error`. */
  kept: number;
}

/** What becomes of an error inside failed unions: dropped, or kept with tags to insert into its `loc`. */
export type Placement = { keep: false } | { keep: true; tags: { at: number; label: string }[] };

/** Past this many unions around one error, its `loc` is given untagged (see placeError). */
const MAX_TAGS = 16;

export function placeError(error: ErrorObject, unions: FailedUnion[]): Placement {
  const tags: { at: number; label: string }[] = [];
  const enclosing = unions.filter((u) => u.error !== error && encloses(u.error, error));
  // Outermost first: a tag's place is counted in the error's path, which inner tags do not change.
  enclosing.sort((a, b) => a.error.schemaPath.length - b.error.schemaPath.length);
  for (const union of enclosing) {
    if (union.form.kind === 'constants') return { keep: false };
    const index = Number(error.schemaPath.slice(union.error.schemaPath.length + 1).split('/')[0]);
    if (union.form.nullBranches.has(index)) return { keep: false };
    if (!union.form.tagged) continue;
    const at = depth(union.error.instancePath);
    // A recursive schema's errors restart their schema path at each level, so unions of other
    // levels look enclosing too: one tag per place in the value (the innermost union's, sorted
    // last), and none at all past MAX_TAGS, so a 422's size never grows with the recursion.
    const label = branchLabel(union.form.branches[index]);
    const last = tags[tags.length - 1];
    if (last !== undefined && last.at === at) last.label = label;
    else tags.push({ at, label });
  }
  for (const union of enclosing) union.kept++;
  return { keep: true, tags: tags.length > MAX_TAGS ? [] : tags };
}

function encloses(union: ErrorObject, error: ErrorObject): boolean {
  if (!error.schemaPath.startsWith(`${union.schemaPath}/`)) return false;
  return error.instancePath === union.instancePath || error.instancePath.startsWith(`${union.instancePath}/`);
}

function depth(pointer: string): number {
  return pointer === '' ? 0 : pointer.split('/').length - 1;
}

/** Inserts the tags into an issue's `loc` (after its part, at each union's depth). */
export function withTags(loc: (string | number)[], tags: { at: number; label: string }[]): (string | number)[] {
  if (tags.length === 0) return loc;
  const out = loc.slice();
  // Deepest first: an outer tag inserted after it shifts it right by one, as it should.
  for (let i = tags.length - 1; i >= 0; i--) out.splice(1 + tags[i]!.at, 0, tags[i]!.label);
  return out;
}

/**
 * Pydantic's name for a union member: `int`, `float`, `str`, `bool`, `list[int]`, a model's name,
 * `literal['a']`. A loopwise schema is named by its `title`, then its `$id`; an unnamed object is
 * `object` (Pydantic's members are classes, which always have a name).
 */
export function branchLabel(schema: unknown): string {
  if (typeof schema !== 'object' || schema === null) return 'any';
  // The error collector's copy holds per-item schemas behind the budget's keyword (error-budget.ts).
  if (BUDGETED in schema) return branchLabel((schema as Record<string, unknown>)[BUDGETED]);
  const s = schema as Record<string, unknown>;
  if ('const' in s) return `literal[${typeof s.const === 'string' ? `'${s.const}'` : JSON.stringify(s.const)}]`;
  if (typeof s.title === 'string') return s.title;
  if (typeof s.$id === 'string') return s.$id.split(/[/#]/).filter((p) => p !== '').pop() ?? s.$id;
  if (typeof s.$ref === 'string') return s.$ref.split(/[/#]/).filter((p) => p !== '').pop() ?? s.$ref;
  switch (s.type) {
    case 'integer':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'null':
      return 'none';
    case 'array':
      return `list[${branchLabel(s.items)}]`;
    case 'object':
      return 'object';
    default:
      return Array.isArray(s.anyOf) ? 'union' : 'any';
  }
}
