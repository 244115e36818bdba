// The terminal table of a bench: one table per concurrency level, one row per route, the verdict
// in a word with its reason on an indented line under the row, then the routes left out and why.
// Every line fits WIDTH columns: a long route name goes on a line of its own, notes wrap.
import type { EvidenceReport, RunResult } from './types.js';

/** The verdict in words, as the seed demo prints it. */
export const VERDICT_TEXT = {
  ok: 'OK: non-blocking',
  blocking: 'BAD: blocks the event loop — offload it or make it async',
  inconclusive: 'INCONCLUSIVE',
} as const;

const VERDICT_WORD = { ok: 'OK', blocking: 'BAD', inconclusive: 'INCONCLUSIVE' } as const;

/** A normal terminal. */
export const WIDTH = 120;
/** The host starved the server this long (ms) during the bench: verdicts are less certain. */
export const HOST_BUSY_MS = 250;
/** …or this share of the bench's time, when that is less (but never under HOST_BUSY_FLOOR_MS). */
export const HOST_BUSY_SHARE = 0.02;
const HOST_BUSY_FLOOR_MS = 50;
/** Statuses shown by name in the answers column; the rest are summed as "+N". */
const ANSWER_KINDS = 3;
/** The answers column's widest cell. */
const ANSWERS_MAX = 28;
const NOTE_INDENT = '    ';

const HEADER = ['route', 'pattern', 'req/s', 'p50 / p95 / p99 ms', 'answers', 'loop max', 'blocked', 'verdict'];
// Numbers line up on the right, words on the left.
const NUMERIC = new Set([2, 3, 5, 6]);

export function formatTable(report: EvidenceReport): string {
  const out: string[] = [`Evidence: ${report.target} (${report.machine.runtime ?? `Node ${report.machine.node}`}, ${report.machine.cores} × ${report.machine.cpu})`];
  const busy = hostBusyLine(report);
  if (busy !== null) out.push(...wrap(busy, '  ', ''));
  const levels = [...new Set(report.runs.map((run) => run.concurrency))];
  for (const concurrency of levels) {
    const runs = report.runs.filter((run) => run.concurrency === concurrency);
    const seconds = Math.max(...runs.map((run) => run.durationSeconds));
    out.push('', `${concurrency} concurrent connection${concurrency === 1 ? '' : 's'}, ~${seconds.toFixed(1)} s per route`, '', ...grid(runs));
  }
  const legend = answersLegend(report.runs);
  if (legend !== null) out.push('', ...wrap(legend, '  ', ''));
  const skipped = report.skipped ?? [];
  if (skipped.length > 0) {
    out.push('', 'Not loaded (name a route with --route to load it):');
    const width = Math.min(30, Math.max(...skipped.map((s) => s.route.length)));
    for (const { route, reason } of skipped) {
      const lead = `  ${route.padEnd(width)}  `;
      if (route.length > width) out.push(...wrap(route, '    ', '  '), ...wrap(reason, '      ', '    '));
      else out.push(...wrap(reason, ' '.repeat(lead.length), lead));
    }
  }
  return `${out.join('\n')}\n`;
}

/** The warning for a bench the host starved, or null when it did not (or it is unknown). */
export function hostBusyLine(report: EvidenceReport): string | null {
  const starved = report.hostStarvedMs;
  if (starved === undefined || starved === null) return null;
  const benchMs = 1000 * Math.max(0, ...report.runs.map((run) => run.endedAtSeconds ?? 0), report.runs.reduce((sum, run) => sum + run.durationSeconds, 0));
  const threshold = Math.min(HOST_BUSY_MS, Math.max(HOST_BUSY_FLOOR_MS, benchMs * HOST_BUSY_SHARE));
  if (starved < threshold) return null;
  return `host busy: the machine starved the server for ${Math.round(starved)} ms during the bench (other processes had its CPU); verdicts are less certain — run on a quieter machine`;
}

/** "200×981 401×12 shed×7 timeout×2": the statuses by count, then timeouts and socket errors. */
export function answers(run: RunResult): string {
  const kinds = Object.entries(run.statuses)
    .sort(([a, x], [b, y]) => y - x || Number(a) - Number(b))
    .map(([status, count]) => [status === '503' ? 'shed' : status, count] as const);
  if (run.timeouts > 0) kinds.push(['timeout', run.timeouts]);
  if (run.socketErrors > 0) kinds.push(['socket', run.socketErrors]);
  if (kinds.length === 0) return 'none';
  // As many kinds as fit the column, the largest first; the others are summed.
  for (let shown = Math.min(ANSWER_KINDS, kinds.length); ; shown--) {
    const rest = kinds.slice(shown).reduce((sum, [, count]) => sum + count, 0);
    const cell = kinds.slice(0, shown).map(([kind, count]) => `${kind}×${count}`).join(' ') + (rest === 0 ? '' : ` +${rest}`);
    if (cell.length <= ANSWERS_MAX || shown === 1) return cell;
  }
}

function answersLegend(runs: RunResult[]): string | null {
  const parts = ['answers: status×count'];
  if (runs.some((run) => run.statuses['503'] !== undefined)) parts.push('shed = 503 (the server shed load)');
  if (runs.some((run) => run.timeouts > 0)) parts.push('timeout = no answer in time');
  if (runs.some((run) => run.socketErrors > 0)) parts.push('socket = the connection failed');
  if (runs.some((run) => answers(run).includes(' +'))) parts.push('+N = answers of other kinds');
  return parts.length === 1 ? null : parts.join('; ');
}

function row(run: RunResult): string[] {
  const { p50, p95, p99 } = run.latencyMs;
  return [
    run.route,
    run.pattern,
    rate(run.requestsPerSecond),
    `${ms(p50)} / ${ms(p95)} / ${ms(p99)}`,
    answers(run),
    run.loopDelayMaxMs === null ? '?' : `${ms(run.loopDelayMaxMs)} ms`,
    run.blockedMs === null ? '?' : `${ms(run.blockedMs)} ms`,
    VERDICT_WORD[run.verdict],
  ];
}

/** Whole milliseconds once they are large enough that decimals are noise. */
function ms(value: number): string {
  return value >= 10 || value === 0 ? value.toFixed(0) : value.toFixed(1);
}

/** The precision that matters: 0.5 req/s is not 0. */
function rate(value: number): string {
  return value >= 10 || value === 0 ? value.toFixed(0) : value >= 1 ? value.toFixed(1) : value.toFixed(2);
}

function grid(runs: RunResult[]): string[] {
  const rows = runs.map(row);
  const widths = HEADER.map((title, i) => Math.max(title.length, ...rows.map((cells) => cells[i]!.length)));
  // The route column takes what the others leave; a longer route goes on a line of its own.
  const others = widths.slice(1).reduce((sum, w) => sum + w + 2, 0);
  widths[0] = Math.max(HEADER[0]!.length, Math.min(widths[0]!, WIDTH - others));
  const line = (cells: string[]) => cells.map((cell, i) => (NUMERIC.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  const lines = [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  ')];
  rows.forEach((cells, i) => {
    if (cells[0]!.length > widths[0]!) lines.push(...wrap(cells[0]!, ''), line(['', ...cells.slice(1)]));
    else lines.push(line(cells));
    const note = runs[i]!.verdictNote;
    if (note !== undefined) lines.push(...wrap(note, NOTE_INDENT));
  });
  return lines;
}

/**
 * Words wrapped to WIDTH, each line behind `indent` (the first behind `first`). A quoted command
 * ('GET /items/1') stays on one line, to be copied whole; a word longer than a line is cut.
 */
function wrap(text: string, indent: string, first = indent): string[] {
  const lines: string[] = [];
  let current = first;
  let empty = true;
  for (const word of text.match(/'[^']*'\S*|\S+/g) ?? []) {
    if (!empty && current.length + 1 + word.length > WIDTH) {
      lines.push(current);
      current = indent;
      empty = true;
    }
    current += empty ? word : ` ${word}`;
    empty = false;
    while (current.length > WIDTH) {
      lines.push(current.slice(0, WIDTH));
      current = indent + current.slice(WIDTH);
    }
  }
  lines.push(current);
  return lines.map((l) => l.trimEnd());
}
