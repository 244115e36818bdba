/**
 * Which routes another router may match in place of find-my-way (Bun's own, in Bun.serve's
 * `routes`) and still pick, for every path it takes, the route find-my-way would pick. Whatever it
 * does not take goes to find-my-way as before, so leaving a route out is always safe; taking one
 * wrongly is not. Decided once, at startup, from the route table's paths.
 */

/** A path of plain segments: no escapes, wildcards, regexes or separators the two routers could read differently. */
const PLAIN_STATIC_PATH = /^\/[A-Za-z0-9\-._~!$&'+,=@/]*$/;
const PLAIN_SEGMENT = /^[A-Za-z0-9\-._~!$&'+,=@]+$/;
const PARAM_SEGMENT = /^:[A-Za-z_][A-Za-z0-9_]*$/;
const DOT_SEGMENT = /\/\.\.?(\/|$)/;

export interface ExactPath {
  /** The path in find-my-way's syntax, which Bun's router shares for these. */
  path: string;
  /** True for a path without parameters. */
  isStatic: boolean;
  /**
   * For a path with parameters that static paths overlap (`/items/:id` beside `/items/me`): whether
   * a match's decoded params spell one of them. find-my-way decodes escapes before it matches, so
   * it answers `/items/m%65` with the static route, where Bun's router, matching the raw path,
   * takes the parametric one. Null when no static path overlaps.
   */
  spellsStatic: ((params: Readonly<Record<string, string>>) => boolean) | null;
}

/**
 * The paths an exact-match router may take, out of every path of the table (all methods):
 * - a static path of plain characters: matched only as sent, where find-my-way's static match wins too;
 * - a path of plain segments and `:name` segments, only when every path of the table is one of
 *   these (no wildcard or regex route could win over it in find-my-way) and no other path with
 *   parameters matches any of the same requests (so the two routers cannot choose differently).
 */
export function exactPaths(paths: readonly string[]): ExactPath[] {
  const unique = [...new Set(paths)];
  // A '.' or '..' segment may be resolved by one router and not by the other: such a path is never
  // taken, and, as any path not taken, keeps the paths with parameters in find-my-way (paramSegments).
  const isPlainStatic = (path: string): boolean => PLAIN_STATIC_PATH.test(path) && !DOT_SEGMENT.test(path);
  const statics = unique.filter(isPlainStatic);
  const parametric = unique.filter((path) => !isPlainStatic(path));
  const exact: ExactPath[] = statics.map((path) => ({ path, isStatic: true, spellsStatic: null }));
  const segmented = parametric.map(paramSegments);
  if (segmented.some((segments) => segments === null)) return exact;
  const all = segmented as string[][];
  for (let i = 0; i < all.length; i++) {
    const clash = all.some((other, j) => j !== i && overlap(all[i]!, other));
    if (!clash) exact.push({ path: parametric[i]!, isStatic: false, spellsStatic: staticSpelling(all[i]!, statics) });
  }
  return exact;
}

/** The check of ExactPath.spellsStatic for a path's segments, or null when no static path overlaps it. */
function staticSpelling(segments: readonly string[], statics: readonly string[]): ExactPath['spellsStatic'] {
  const overlapping = new Set(statics.filter((path) => overlap(segments, path.slice(1).split('/'))));
  if (overlapping.size === 0) return null;
  return (params) => {
    let path = '';
    for (const segment of segments) path += '/' + (segment.startsWith(':') ? params[segment.slice(1)] : segment);
    return overlapping.has(path);
  };
}

/** A path's segments when each is plain or one whole `:name`, with at least one parameter; null otherwise. */
function paramSegments(path: string): string[] | null {
  const segments = path.slice(1).split('/');
  if (!path.startsWith('/') || DOT_SEGMENT.test(path) || segments.some((segment) => !PLAIN_SEGMENT.test(segment) && !PARAM_SEGMENT.test(segment))) return null;
  return segments;
}

/** Whether some request path matches both: as many segments, each pair equal or one a parameter. */
function overlap(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && !x.startsWith(':') && !y.startsWith(':')) return false;
  }
  return true;
}
