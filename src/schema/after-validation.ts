import { isDeepStrictEqual } from 'node:util';
import { Hint } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';
import { boundedInput, boundedKey } from './bounded-input.js';
import { canonical } from './unique-items.js';
import { marksOf, RefinementIssue, type RefineFunction } from './schema-marks.js';
import { tooManyErrors } from './validation-errors.js';
import type { ValidationLimits } from './validation-limits.js';
import type { RequestPart, ValidationIssue } from './validation-issue.js';

/** A part's validator: null when valid, else its issues (validator.ts's PartValidator). */
type PartCheck = (data: unknown) => ValidationIssue[] | null;

/**
 * What runs once a value has passed its schema, where the schema asks for it (schema-marks.ts):
 * `t.Refine` functions, a `t.Set`'s deduplication, an integer-keyed `t.Record`'s key check. A
 * schema without any gets its validator back unchanged, so routes that use none pay nothing; the
 * plan of what to visit is worked out once, at startup.
 *
 * Each function runs at most once per value per request, children before parents (pydantic's
 * order: a model's fields, then the model's own validators). When validation failed elsewhere,
 * the values that passed still run, so one 422 lists every failure; a value with an error at or
 * below it does not. Never throws: whatever a function throws becomes a 422 entry.
 */
export function withAfterValidation(schema: unknown, part: RequestPart, route: string, limits: ValidationLimits, check: PartCheck): PartCheck {
  const steps = compileAfterSteps(schema, part, route, limits);
  if (steps === null) return check;
  return (data) => steps(data, check(data));
}

/** The steps alone, given what validation found (null: nothing), for a caller that validates its own way; null when the schema has none. */
export type AfterSteps = (data: unknown, found: ValidationIssue[] | null) => ValidationIssue[] | null;

export function compileAfterSteps(schema: unknown, part: RequestPart, route: string, limits: ValidationLimits): AfterSteps | null {
  const plan = planOf(schema, `the ${part} schema of ${route}`);
  if (plan === null) return null;
  return (data, found) => {
    // A cut list may hide errors in values that would then run: run none.
    if (found !== null && found.some((issue) => issue.type === 'too_many_errors')) return found;
    const run: Run = { part, limits, issues: found ?? [], path: [], omitted: 0, quoted: new Map() };
    apply(plan, data, found === null ? null : erroredTrie(found), run);
    if (run.omitted > 0) run.issues.push(tooManyErrors(part, limits.maxIssues, run.omitted));
    return run.issues.length > 0 ? run.issues : null;
  };
}

interface Plan {
  refine: RefineFunction[] | undefined;
  set: boolean;
  integerKeys: boolean;
  properties?: { name: string; plan: Plan; hasDefault: boolean; value: unknown }[];
  /** Every property name the schema declares: `additionalProperties` covers only the others. */
  declared?: Set<string>;
  items?: Plan;
  values?: Plan;
  nullable?: Plan;
  all?: Plan[];
}

function planOf(schema: unknown, where: string): Plan | null {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return null;
  const s = schema as Record<string | symbol, unknown>;
  const marks = marksOf(s);
  const plan: Plan = { refine: marks.refine, set: marks.set === true, integerKeys: marks.integerKeys === true };
  let needed = plan.refine !== undefined || plan.set || plan.integerKeys;
  if (isRecord(s.properties)) {
    for (const [name, sub] of Object.entries(s.properties)) {
      const inner = planOf(sub, where);
      if (inner === null) continue;
      const hasDefault = isRecord(sub) && 'default' in sub;
      (plan.properties ??= []).push({ name, plan: inner, hasDefault, value: hasDefault ? (sub as { default: unknown }).default : undefined });
      needed = true;
    }
    plan.declared = new Set(Object.keys(s.properties));
  }
  const items = isRecord(s.items) ? planOf(s.items, where) : null;
  if (items !== null) plan.items = items;
  const values = isRecord(s.additionalProperties) ? planOf(s.additionalProperties, where) : null;
  if (values !== null) plan.values = values;
  needed ||= items !== null || values !== null;
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const branches = s[keyword];
    if (!Array.isArray(branches)) continue;
    const plans = branches.map((branch) => planOf(branch, where));
    if (plans.every((p) => p === null)) continue;
    const others = branches.filter((branch) => !(isRecord(branch) && branch.type === 'null'));
    if (others.length !== 1) {
      throw new LoopwiseError(
        'LW_ERR_SCHEMA_INVALID',
        `${where}: t.Refine, t.Set and t.Record with integer keys cannot sit inside a union of several shapes (which one matched is not known after validation). Refine the union as a whole, or use them in a nullable union, t.Union([T, t.Null()]).`,
      );
    }
    plan.nullable = plans[branches.indexOf(others[0])]!;
    needed = true;
  }
  if (Array.isArray(s.allOf)) {
    const plans = s.allOf.map((member) => planOf(member, where)).filter((p): p is Plan => p !== null);
    if (plans.length > 0) {
      plan.all = plans;
      needed = true;
    }
  }
  if (needed && s[Hint] === 'Recursive') {
    throw new LoopwiseError(
      'LW_ERR_SCHEMA_INVALID',
      `${where}: t.Refine, t.Set and t.Record with integer keys are not supported inside t.Recursive (its nested levels are references, which would be left unchecked).`,
    );
  }
  return needed ? plan : null;
}

interface Run {
  part: RequestPart;
  limits: ValidationLimits;
  issues: ValidationIssue[];
  /** The value's place, for an issue's `loc`. */
  path: (string | number)[];
  omitted: number;
  quoted: Map<object, unknown>;
}

/** The places the validator's issues name, and every place above them: a tree, so a lookup costs one step per level. */
type Trie = Map<string, Trie>;

function erroredTrie(issues: ValidationIssue[]): Trie {
  const root: Trie = new Map();
  for (const issue of issues) {
    let node = root;
    for (let i = 1; i < issue.loc.length; i++) {
      const key = String(issue.loc[i]);
      let next = node.get(key);
      if (next === undefined) node.set(key, (next = new Map()));
      node = next;
    }
  }
  return root;
}

/** Runs the plan on one value; returns the value the parent should hold (a refinement may replace it). */
function apply(plan: Plan, value: unknown, errored: Trie | null | undefined, run: Run): unknown {
  // `errored`: null when validation passed, undefined when nothing at or below here failed.
  const reported = run.issues.length + run.omitted;
  if (plan.nullable !== undefined && value !== null) value = apply(plan.nullable, value, errored, run);
  if (plan.all !== undefined) for (const member of plan.all) value = apply(member, value, errored, run);
  if (isRecord(value)) {
    // Keys are checked even where a value failed (pydantic reports both); renamed only in a valid record.
    if (plan.integerKeys) rekey(value, run, errored == null);
    if (plan.properties !== undefined) {
      for (const property of plan.properties) {
        if (!Object.hasOwn(value, property.name)) continue;
        const item = value[property.name];
        // Pydantic does not validate defaults: a value the server filled in is not the client's.
        if (item === undefined || (property.hasDefault && isDefault(item, property.value))) continue;
        value[property.name] = visit(property.plan, item, property.name, errored, run);
      }
    }
    if (plan.values !== undefined) {
      for (const key of Object.keys(value)) if (plan.declared === undefined || !plan.declared.has(key)) value[key] = visit(plan.values, value[key], key, errored, run);
    }
  } else if (Array.isArray(value)) {
    if (plan.items !== undefined) for (let i = 0; i < value.length; i++) value[i] = visit(plan.items, value[i], i, errored, run);
    if (plan.set && errored == null) dropRepeats(value);
  }
  // A value whose own parts were refused (here, by their refinements) is not checked as a whole.
  if (plan.refine !== undefined && errored == null && run.issues.length + run.omitted === reported) value = refined(plan.refine, value, run);
  return value;
}

function visit(plan: Plan, value: unknown, key: string | number, errored: Trie | null | undefined, run: Run): unknown {
  run.path.push(key);
  const next = apply(plan, value, errored == null ? errored : errored.get(String(key)), run);
  run.path.pop();
  return next;
}

function isDefault(value: unknown, fallback: unknown): boolean {
  return value === fallback || (typeof fallback === 'object' && fallback !== null && isDeepStrictEqual(value, fallback));
}

/** Python's set: the first of equal items stays, in order; one pass, each item written once (unique-items.ts's form). */
function dropRepeats(items: unknown[]): void {
  const seen = new Set<string>();
  let kept = 0;
  for (let i = 0; i < items.length; i++) {
    const form = canonical(items[i]);
    if (seen.has(form)) continue;
    seen.add(form);
    items[kept++] = items[i];
  }
  items.length = kept;
}

// What pydantic's lax str → int takes: white space around, a sign, digits (single underscores
// between them), a fraction of zeros ("1.0").
const INTEGER_KEY = /^\s*([+-]?)(\d+(?:_\d+)*)(?:\.0*)?\s*$/;

/** An integer-keyed record: each key an integer, written as JavaScript writes the number ("01" → "1"). */
function rekey(record: Record<string, unknown>, run: Run, rename: boolean): void {
  let renamed = false;
  const keys = Object.keys(record);
  const canonicalKeys: (string | null)[] = keys.map((key) => {
    const match = INTEGER_KEY.exec(key);
    if (match === null) {
      report(run, { type: 'int_parsing', loc: [run.part, ...run.path, key, '[key]'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: key });
      return null;
    }
    const digits = match[2]!.replaceAll('_', '').replace(/^0+(?=\d)/, '');
    const written = match[1] === '-' && digits !== '0' ? `-${digits}` : digits;
    if (written !== key) renamed = true;
    return written;
  });
  if (!renamed || !rename) return;
  // Rewritten in order, as Python builds the dict: a key's first place, its last value.
  const values = keys.map((key) => record[key]);
  for (const key of keys) delete record[key];
  keys.forEach((key, i) => {
    record[canonicalKeys[i] ?? key] = values[i];
  });
}

/** Runs a value's refinements in order; the first that fails reports, and the value is kept as it was. */
function refined(checks: RefineFunction[], value: unknown, run: Run): unknown {
  for (const check of checks) {
    let result: unknown;
    try {
      result = check(value);
    } catch (thrown) {
      report(run, issueOf(thrown, value, run));
      return value;
    }
    if (isThenable(result)) {
      // A rejection nobody awaits would end the process (Node's default for unhandled rejections).
      Promise.resolve(result).catch(() => {});
      report(run, { type: 'value_error', loc: [run.part, ...run.path], msg: "Value error, the check returned a Promise: t.Refine's function must be synchronous", input: value, ctx: { error: {} } });
      return value;
    }
    if (result !== undefined) value = result;
  }
  return value;
}

// Errors JavaScript throws for a mistake in the code, not in the value: their text (e.g. "Cannot
// read properties of undefined") would tell the client about the server, so the entry names only the class.
const CODE_ERRORS = [TypeError, ReferenceError, SyntaxError, RangeError, EvalError, URIError];

/** Whatever a refinement threw, as a 422 entry: pydantic's `value_error` "Value error, <message>", ctx {"error": {}}. */
function issueOf(thrown: unknown, input: unknown, run: Run): ValidationIssue {
  const loc = [run.part, ...run.path];
  let message = 'the value was refused';
  try {
    if (thrown instanceof RefinementIssue) {
      return { type: thrown.type, loc, msg: String(thrown.message), input, ...(thrown.ctx === undefined ? {} : { ctx: thrown.ctx }) };
    }
    const codeError = CODE_ERRORS.find((kind) => thrown instanceof kind);
    if (codeError !== undefined) message = `the check failed (${codeError.name})`;
    else if (thrown instanceof Error && typeof thrown.message === 'string') message = thrown.message;
    else if (typeof thrown === 'string') message = thrown;
  } catch {
    // A thrown value whose prototype or message getter throws: the fixed words stay.
  }
  const bounded = boundedInput(message, run.limits.maxInputLength * 4, run.quoted) as string;
  return { type: 'value_error', loc, msg: `Value error, ${bounded}`, input, ctx: { error: {} } };
}

function report(run: Run, issue: ValidationIssue): void {
  if (run.issues.length >= run.limits.maxIssues) {
    run.omitted++;
    return;
  }
  issue.input = boundedInput(issue.input, run.limits.maxInputLength, run.quoted);
  if (issue.loc.some((key) => typeof key === 'string' && key.length > run.limits.maxInputLength)) {
    issue.loc = issue.loc.map((key) => boundedKey(key, run.limits.maxInputLength));
  }
  run.issues.push(issue);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
