// The terminal table of a bench: one table per concurrency level, one row per route, the verdict
// in words (as the seed demo prints it), so the evidence reads without the HTML report.
import type { EvidenceReport, RunResult } from './types.js';

export const VERDICT_TEXT = {
  ok: 'OK: non-blocking',
  blocking: 'BAD: blocks the event loop — offload it or make it async',
  inconclusive: 'INCONCLUSIVE',
} as const;

const HEADER = ['route', 'pattern', 'req/s', 'p50 / p95 / p99 ms', 'errors / timeouts', 'max loop delay', 'blocked', 'verdict'];

export function formatTable(report: EvidenceReport): string {
  const levels = [...new Set(report.runs.map((run) => run.concurrency))];
  const sections = levels.map((concurrency) => {
    const runs = report.runs.filter((run) => run.concurrency === concurrency);
    const seconds = Math.max(...runs.map((run) => run.durationSeconds));
    return `${concurrency} concurrent connection${concurrency === 1 ? '' : 's'}, ~${seconds.toFixed(1)} s per route\n\n${grid(runs.map(row))}`;
  });
  return `Evidence: ${report.target} (Node ${report.machine.node}, ${report.machine.cores} × ${report.machine.cpu})\n\n${sections.join('\n\n')}\n`;
}

function row(run: RunResult): string[] {
  const { p50, p95, p99 } = run.latencyMs;
  return [
    run.route,
    run.pattern,
    run.requestsPerSecond.toFixed(0),
    `${ms(p50)} / ${ms(p95)} / ${ms(p99)}`,
    `${run.errors} / ${run.timeouts}`,
    run.loopDelayMaxMs === null ? '?' : `${ms(run.loopDelayMaxMs)} ms`,
    run.blockedMs === null ? '?' : `${ms(run.blockedMs)} ms`,
    VERDICT_TEXT[run.verdict],
  ];
}

/** Whole milliseconds once they are large enough that decimals are noise. */
function ms(value: number): string {
  return value >= 10 || value === 0 ? value.toFixed(0) : value.toFixed(1);
}

function grid(rows: string[][]): string {
  const widths = HEADER.map((title, i) => Math.max(title.length, ...rows.map((cells) => cells[i]!.length)));
  // Numbers line up on the right, words on the left.
  const numeric = new Set([2, 3, 4, 5, 6]);
  const line = (cells: string[]) => cells.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
