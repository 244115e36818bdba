/**
 * How deeply a JSON body may nest, in arrays and objects. JSON.parse handles any depth, but what
 * comes after it does not: JSON.stringify (a handler echoing the body, or a 422 quoting it),
 * structuredClone (an offloaded route) and recursive schemas overflow the stack at a few thousand
 * levels, which a 10 KB body reaches. Python's json stops at about 1000, so FastAPI does too.
 */
export const MAX_JSON_DEPTH = 1000;

/** 1 for `"`, 2 for `[` and `{`, 3 for `]` and `}`; 0 for every other byte. */
const CLASS = new Uint8Array(256);
CLASS[0x22] = 1;
CLASS[0x5b] = CLASS[0x7b] = 2;
CLASS[0x5d] = CLASS[0x7d] = 3;

/**
 * True when the JSON text in `raw` nests deeper than `max`, well-formed or not. A body of `max`
 * bytes or less cannot (each level takes an opening bracket), so most bodies are never scanned;
 * a larger one costs about a tenth of its JSON.parse (one table lookup a byte, long strings skipped natively).
 */
export function nestsDeeperThan(raw: Uint8Array, max: number): boolean {
  const length = raw.length;
  if (length <= max) return false;
  let depth = 0;
  for (let i = 0; i < length; i++) {
    const kind = CLASS[raw[i]!]!;
    if (kind === 0) continue;
    if (kind === 2) {
      if (++depth > max) return true;
    } else if (kind === 3) {
      depth--;
    } else {
      i = closingQuote(raw, i);
      if (i === -1) return false; // an unterminated string: JSON.parse says so
    }
  }
  return false;
}

/** Where the string opened at `open` ends: short strings byte by byte, long ones by indexOf. */
function closingQuote(raw: Uint8Array, open: number): number {
  const length = raw.length;
  const inline = Math.min(length, open + 32);
  let i = open + 1;
  for (; i < inline; i++) {
    const byte = raw[i]!;
    if (byte === 0x5c) i++;
    else if (byte === 0x22) return i;
  }
  for (i--; ; ) {
    i = raw.indexOf(0x22, i + 1);
    if (i === -1) return -1;
    // Escaped when an odd number of backslashes precede it.
    let slashes = 0;
    while (raw[i - 1 - slashes] === 0x5c) slashes++;
    if ((slashes & 1) === 0) return i;
  }
}
