import type { IncomingMessage } from 'node:http';
import { boundedInput } from '../schema/bounded-input.js';
import { DEFAULT_VALIDATION_LIMITS, type ValidationLimits } from '../schema/validation-limits.js';
import type { ValidationIssue } from '../schema/validation-issue.js';
import type { MultipartBody } from '../forms/multipart-body.js';
import { quoteMissingFieldsAsNull } from '../forms/missing-fields.js';
import { decodeBody, lenientText, mediaTypeOf, type BodyKind } from './parse-body.js';

/** What the route makes of a body it does not read: the handler's body, and the issues (none: the handler runs). */
export interface RefusedBody {
  value: unknown;
  issues: ValidationIssue[];
}

export type RefuseBody = (request: IncomingMessage, raw: Uint8Array, kind: BodyKind | null) => RefusedBody;

export interface RefusingRoute {
  /** The decoders of the types the route `consumes`. */
  accepts: ReadonlySet<BodyKind>;
  consumes: readonly string[];
  /** The route's body check (compile-route.ts's compileBody): exact for JSON, coercing for forms. */
  validate(value: unknown, isJson: boolean): RefusedBody;
  multipart: MultipartBody | null;
  limits: ValidationLimits | undefined;
}

/**
 * A body whose Content-Type the route does not read (or that has none) gets FastAPI's answer,
 * which is a 422, never a 415, and never reaches the handler as data (docs/security.md, "CSRF"):
 *
 * - a JSON route: FastAPI hands the undecoded bytes to Pydantic, which rejects them as it would
 *   any text (`model_attributes_type` for a model, `list_type` for a list), quoting the text. The
 *   text is checked against the schema as a plain string and never parsed. A schema a string
 *   passes (`t.String()`, `t.Any()`, a union with a string) would take it, as Pydantic's lax mode
 *   does: here it is refused all the same, with `unsupported_content_type`, as a string sent as
 *   text/plain is what a cross-site form can post.
 * - a form route: FastAPI reads a body of another type as an empty form, so each required field
 *   is `missing` (input null) and a form of optional fields gets its defaults.
 * - a multipart route also reads urlencoded forms (FastAPI's File() and Form() routes read both:
 *   both are forms a cross-site page can send, so this opens nothing new): its text fields count,
 *   its files are missing.
 *
 * An empty body is no body, as in FastAPI: `missing` at ["body"], or the handler runs without one.
 */
export function compileRefusedBody(route: RefusingRoute): RefuseBody {
  const takesJson = route.accepts.has('json');
  const takesForms = route.accepts.has('form') || route.accepts.has('multipart');
  const limits = route.limits ?? DEFAULT_VALIDATION_LIMITS;

  if (takesJson || !takesForms) {
    const expected = listed(route.consumes);
    return (request, raw) => {
      if (raw.length === 0) return route.validate(undefined, true);
      // Only for the quote and the type check: the text is never parsed, and never the handler's.
      const text = lenientText(raw);
      const { issues } = route.validate(text, true);
      if (issues.length > 0) return { value: undefined, issues };
      return { value: undefined, issues: [notRead(mediaTypeOf(request), expected, boundedInput(text, limits.maxInputLength, new Map()))] };
    };
  }

  const multipart = route.multipart;
  if (multipart !== null) {
    return (_request, raw, kind) => {
      // Without a prototype, as the multipart parser's: a file field named `constructor` must not find Object's.
      const fields: Record<string, string | string[]> = Object.create(null);
      if (kind === 'form') Object.assign(fields, decodeBody(raw, 'form'));
      return multipart.validate({ fields, files: new Map() });
    };
  }

  return () => {
    const checked = route.validate({}, false);
    quoteMissingFieldsAsNull(checked.issues);
    return checked;
  };
}

function notRead(mediaType: string | null, expected: string, input: unknown): ValidationIssue {
  const sent = mediaType === null ? 'a body without Content-Type' : `'${mediaType}'`;
  return {
    type: 'unsupported_content_type',
    loc: ['body'],
    msg: `Input should be sent as ${expected}: this route does not read ${sent}`,
    input,
    ctx: { content_type: mediaType, expected },
  };
}

function listed(types: readonly string[]): string {
  return types.length <= 1 ? (types[0] ?? '') : `${types.slice(0, -1).join(', ')} or ${types[types.length - 1]}`;
}
