// The headers the bench sends on every request: `--header 'Name: value'` (repeatable) and
// `--auth-token`, checked here so a typo is a clear message before any load, not a run of 400s.
import { headerProblem } from '../header-check.js';
import { LoopwiseError } from '../errors.js';

/** `'Authorization: Bearer abc'` → ['authorization', 'Bearer abc']. Throws, saying what is wrong. */
export function parseHeaderFlag(spec: string): [string, string] {
  const colon = spec.indexOf(':');
  if (colon < 1) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `--header takes 'Name: value' (e.g. --header 'Authorization: Bearer abc'), not ${JSON.stringify(clip(spec))}: ${colon === 0 ? 'the name is missing' : 'there is no colon'}`);
  }
  const name = spec.slice(0, colon).trim();
  const value = spec.slice(colon + 1).trim();
  const problem = headerProblem(name, value);
  if (problem !== undefined) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `--header ${JSON.stringify(clip(name))}: ${problem}`);
  return [name.toLowerCase(), value];
}

/** Headers given as an object (benchApp/benchUrl's `headers`), lowercased and checked. */
export function checkedHeaders(headers: Record<string, string> | undefined, who: string): Record<string, string> {
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const problem = headerProblem(name, value);
    if (problem !== undefined) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `${who} headers: ${problem}`);
    checked[name.toLowerCase()] = value;
  }
  return checked;
}

/** `--auth-token TOKEN` is `Authorization: Bearer TOKEN`. */
export function bearerHeader(token: string): [string, string] {
  const trimmed = token.trim();
  if (trimmed === '' || /\s/.test(trimmed)) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', '--auth-token takes the token alone, without "Bearer " and without spaces: it is sent as Authorization: Bearer TOKEN');
  }
  return parseHeaderFlag(`Authorization: Bearer ${trimmed}`);
}

/** The bench's own headers, then a route's (its body's content type) over them. */
export function requestHeaders(common: Record<string, string>, body: string | undefined): Record<string, string> {
  return body === undefined || common['content-type'] !== undefined ? { ...common } : { ...common, 'content-type': 'application/json' };
}

// A header may hold a secret: messages show its start only.
function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
