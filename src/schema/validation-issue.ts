/** Where a request value came from, named as FastAPI names it in `loc[0]`. */
export type RequestPart = 'path' | 'query' | 'header' | 'cookie' | 'body';

/** One entry of a 422 response's `detail` array, in FastAPI's (pydantic v2's) shape. */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}
