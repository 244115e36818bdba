// How the report and the seed demo write their figures: precision where it matters (a 2-second
// route's 0.5 req/s is not 0), none where it is noise (2013 ms, not 2013.27 ms).

/** Requests per second: two significant digits below 10 (0.50, 1.1, 9.7), whole numbers above (1,234). */
export function formatRate(perSecond: number): string {
  if (!(perSecond > 0)) return '0';
  if (perSecond < 10) return perSecond.toPrecision(2);
  return Math.round(perSecond).toLocaleString('en-US');
}

/** Milliseconds: one decimal below 10 (0.4, 2.5), whole and grouped above (14,013). */
export function formatMs(value: number): string {
  if (value === 0) return '0';
  return value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US');
}

/** "8 s", "1.5 s", "2–10 s": how long the runs lasted, as a reader wants it. */
export function formatSeconds(values: number[]): string {
  if (values.length === 0) return '0 s';
  const seconds = (value: number) => (value >= 10 ? Math.round(value).toString() : String(Math.round(value * 10) / 10));
  const low = seconds(Math.min(...values));
  const high = seconds(Math.max(...values));
  return low === high ? `${low} s` : `${low}–${high} s`;
}

/** "1", "1 and 10", "1, 10 and 50". */
export function listInWords(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
