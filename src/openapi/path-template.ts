/** A route path in OpenAPI's form, and the parameters it names, in order. */
export interface PathTemplate {
  /** "/items/:id" → "/items/{id}"; "/static/*" → "/static/{wildcard}"; "/files/*file_path" → "/files/{file_path}". */
  template: string;
  /**
   * `key` is the parameter's name in `params` ('*' for an unnamed wildcard); `name` its name in the
   * document; `wildcard` marks the one that takes the rest of the path, slashes included.
   */
  params: { name: string; key: string; pattern?: string; wildcard?: true }[];
}

/** A wildcard's name, as in `/files/*file_path`: an identifier, so `params.file_path` reads as one. */
export const WILDCARD_NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * Reads find-my-way's path syntax: `:name`, `:name(regex)`, several parameters in one segment
 * (`:from-:to`, `:file.:ext`), `*` for the rest of the path, and `::` for a literal colon; and
 * loopwise's named wildcard, `*name` at the end of the path (FastAPI's `{name:path}`).
 */
export function toPathTemplate(path: string): PathTemplate {
  const params: PathTemplate['params'] = [];
  let template = '';
  let i = 0;
  while (i < path.length) {
    const char = path[i]!;
    if (char === ':' && path[i + 1] === ':') {
      template += ':';
      i += 2;
    } else if (char === ':') {
      let end = i + 1;
      while (end < path.length && !'/-.('.includes(path[end]!)) end++;
      const name = path.slice(i + 1, end);
      let pattern: string | undefined;
      if (path[end] === '(') {
        const close = closingParenthesis(path, end);
        pattern = anchored(path.slice(end + 1, close));
        end = close + 1;
      }
      params.push(pattern === undefined ? { name, key: name } : { name, key: name, pattern });
      template += `{${name}}`;
      i = end;
    } else if (char === '*') {
      // OpenAPI's templates take names, not "*" (FastAPI names its own `{path}` parameters too).
      const rest = path.slice(i + 1);
      const named = WILDCARD_NAME.test(rest);
      const name = named ? rest : 'wildcard';
      params.push({ name, key: named ? rest : '*', wildcard: true });
      template += `{${name}}`;
      i = named ? path.length : i + 1;
    } else {
      template += char;
      i++;
    }
  }
  return { template, params };
}

function closingParenthesis(path: string, open: number): number {
  let depth = 0;
  for (let i = open; i < path.length; i++) {
    if (path[i] === '\\') i++;
    else if (path[i] === '(') depth++;
    else if (path[i] === ')' && --depth === 0) return i;
  }
  return path.length - 1;
}

/** find-my-way matches a parameter's regex against the whole value; JSON Schema's pattern does not. */
function anchored(regex: string): string {
  const start = regex.startsWith('^') ? regex : `^${regex}`;
  return start.endsWith('$') ? start : `${start}$`;
}

/** Words of a path for names: "/users/:userId/posts" → ["users", "by", "userId", "posts"]. */
export function pathWords(path: string): string[] {
  const words: string[] = [];
  for (const segment of toPathTemplate(path).template.split('/')) {
    for (const piece of segment.split(/(\{[^}]*\})/)) {
      if (piece.startsWith('{')) words.push('by', piece.slice(1, -1));
      else words.push(...piece.split(/[^A-Za-z0-9]+/));
    }
  }
  return words.filter((word) => word !== '');
}
