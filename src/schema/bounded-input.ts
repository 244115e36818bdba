/**
 * What a 422 issue quotes of the client's input: the value itself when its JSON is at most
 * `maxLength` characters (about), else a cut copy of the same JSON type. A body missing 20
 * required fields used to quote the whole 1 MiB body 20 times. Cut values say so:
 *
 * - a string keeps its start, then `…(N more characters)`;
 * - an array keeps its first items, then one string item `…(N more items)`;
 * - an object keeps its first keys, then the key `…` with the value `(N more keys)`.
 */
export function boundedInput(value: unknown, maxLength: number, memo: Map<object, unknown>): unknown {
  if (typeof value === 'string') return value.length <= maxLength ? value : cutString(value, maxLength);
  if (typeof value !== 'object' || value === null) return value;
  // One body may be quoted by many issues (each missing field quotes its object): cut it once.
  if (memo.has(value)) return memo.get(value);
  const state = { left: maxLength, cut: false };
  const copy = cut(value, state);
  const result = state.cut ? copy : value;
  memo.set(value, result);
  return result;
}

/** A `loc` segment: keys are the client's too, and one key may be 1 MiB long. */
export function boundedKey(key: string | number, maxLength: number): string | number {
  return typeof key === 'string' && key.length > maxLength ? cutString(key, maxLength) : key;
}

interface Budget {
  left: number;
  cut: boolean;
}

function cut(value: unknown, budget: Budget): unknown {
  if (typeof value === 'string') {
    if (value.length + 2 <= budget.left) {
      budget.left -= value.length + 2;
      return value;
    }
    budget.cut = true;
    const keep = Math.max(0, budget.left - 2);
    budget.left = 0;
    return cutString(value, keep);
  }
  if (Array.isArray(value)) {
    budget.left -= 2;
    const items: unknown[] = [];
    let i = 0;
    for (; i < value.length && budget.left > 0; i++) {
      items.push(cut(value[i], budget));
      budget.left -= 1;
    }
    if (i < value.length) {
      budget.cut = true;
      items.push(`…(${plural(value.length - i, 'item')})`);
    }
    return items;
  }
  if (typeof value === 'object' && value !== null) {
    budget.left -= 2;
    const keys = Object.keys(value);
    const fields: Record<string, unknown> = {};
    let i = 0;
    for (; i < keys.length && budget.left > 0; i++) {
      const key = keys[i]!;
      // A key that does not fit ends the copy, unless it is the first: that one is cut instead.
      if (key.length + 4 > budget.left && i > 0) break;
      const shortKey = key.length + 4 <= budget.left ? key : cutString(key, Math.max(0, budget.left - 4));
      if (shortKey !== key) budget.cut = true;
      budget.left -= shortKey.length + 4;
      // defineProperty: a key `__proto__` (JSON.parse makes it an own key) must stay a key, not set the prototype.
      Object.defineProperty(fields, shortKey, { value: cut((value as Record<string, unknown>)[key], budget), enumerable: true, writable: true, configurable: true });
    }
    if (i < keys.length) {
      budget.cut = true;
      fields['…'] = `(${plural(keys.length - i, 'key')})`;
    }
    return fields;
  }
  budget.left -= typeof value === 'number' || typeof value === 'boolean' ? String(value).length : 4;
  return value;
}

function cutString(text: string, keep: number): string {
  // Never half a surrogate pair: the answer must stay valid UTF-8.
  let end = keep;
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…(${plural(text.length - end, 'character')})`;
}

function plural(n: number, noun: string): string {
  return `${n} more ${noun}${n === 1 ? '' : 's'}`;
}
