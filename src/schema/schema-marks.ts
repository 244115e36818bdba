/**
 * What loopwise's own builders (t.Refine, t.Set, t.Record with integer keys) mark a schema with.
 * Symbols: JSON Schema, ajv, the serializer and JSON.stringify never see them, so the schema a
 * route documents stays the plain JSON Schema FastAPI documents; after-validation.ts reads them.
 */

/** The functions `t.Refine` attached, in order: each checks (and may replace) the value after validation. */
export const RefineKind = Symbol.for('loopwise.Refine');
/** `t.Set`: an array whose repeats are dropped after validation (Python's `set[T]`), documented `uniqueItems: true`. */
export const SetKind = Symbol.for('loopwise.Set');
/** `t.Record(t.Integer(), …)`: keys must be integers (Python's `dict[int, T]`), written as the handler gets them: "1", not "01". */
export const IntegerKeysKind = Symbol.for('loopwise.IntegerKeys');

export type RefineFunction = (value: any) => unknown;

export function marksOf(schema: object): { refine?: RefineFunction[]; set?: boolean; integerKeys?: boolean } {
  const marked = schema as Record<symbol, unknown>;
  return {
    refine: Array.isArray(marked[RefineKind]) ? (marked[RefineKind] as RefineFunction[]) : undefined,
    set: marked[SetKind] === true,
    integerKeys: marked[IntegerKeysKind] === true,
  };
}

/**
 * Thrown by a refinement that reports an entry of its own type (pydantic's own errors, such as
 * `url_scheme` for `t.HttpUrl()`), rather than `value_error`.
 */
export class RefinementIssue extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly ctx?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RefinementIssue';
  }
}
