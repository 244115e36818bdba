// The bench's HTML report: one self-contained page (inline CSS and SVG, no script, nothing fetched),
// so it opens from disk, offline, in CI artifacts, and can be mailed as one file. It reads top
// down: what was measured and what the verdicts mean, the results, then the charts.
import { escapeHtml } from './escape-html.js';
import { formatMs, formatRate, formatSeconds, listInWords } from './format-figures.js';
import { latencyChart, loopDelayChart, throughputChart } from './html-charts.js';
import { VERDICT_TEXT } from './table.js';
import type { EvidenceReport, RunResult } from './types.js';

/** Past this much host starvation during a bench, the report says its verdicts are less certain. */
export const HOST_BUSY_MS = 250;
/** Skipped routes listed by name; the rest are counted. */
const SKIPPED_SHOWN = 12;

const VERDICT_MEANING = {
  ok: 'answered (mostly 2xx/3xx) and the server’s loop guard never named it as holding the event loop.',
  blocking: 'the loop guard named the route holding the event loop more than once: while it runs, every other request waits.',
  inconclusive: 'the run cannot say (nothing answered, mostly errors or shed load, a single stall, or it waited behind another route); the note under it says why and what to do.',
} as const;

export function renderHtml(report: EvidenceReport): string {
  const title = `loopwise bench: ${report.target}`;
  const { machine } = report;
  const levels = new Set(report.runs.map((run) => run.concurrency)).size;
  const sections = [
    `<h2>Results</h2>\n${report.runs.length === 0 ? '<p>No routes were loaded.</p>' : tables(report.runs)}`,
    skipped(report),
    report.runs.length === 0 ? '' : `<h2>Latency per route</h2>\n${latencyChart(report.runs)}`,
    levels > 1 ? `<h2>Throughput against concurrency</h2>\n${throughputChart(report.runs)}` : '',
    report.loopDelay.length === 0 && report.runs.length === 0
      ? ''
      : `<h2>Event-loop delay over time</h2>\n${loopDelayChart(report)}\n<p class="note">The server's loop guard, largest delay per window; the shaded bands are the routes' runs. A route that blocks the loop makes every other request wait: its band is where the line jumps. Dashed: no reading, because a stalled server answers /metrics late too.</p>`,
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; color: #1f2937; background: #fff; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; overflow-wrap: anywhere; } h2 { font-size: 1.1rem; margin: 2rem 0 .5rem; }
p, li { max-width: 60rem; } .meta { color: #6b7280; margin: 0 0 1rem; overflow-wrap: anywhere; }
.lesson { font-size: 1.05rem; } .verdicts { padding-left: 1.2rem; } .verdicts li { margin: .15rem 0; }
.host-busy { background: #fffbeb; border-left: 4px solid #d97706; padding: .5rem .75rem; }
svg { display: block; width: 100%; max-width: 960px; height: auto; background: #f9fafb; border: 1px solid #e5e7eb; border-radius: 6px; }
svg text { font: 11px system-ui, sans-serif; fill: #374151; } svg text.none { fill: #b45309; } svg text.phase { fill: #1f2937; }
.axis { stroke: #9ca3af; } .grid { stroke: #e5e7eb; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; table-layout: fixed; }
col.route { width: 26%; } col.rate { width: 7%; } col.latency { width: 16%; } col.answers { width: 14%; } col.loop { width: 15%; } col.verdict { width: 22%; }
caption { text-align: left; color: #6b7280; padding-bottom: .25rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid #e5e7eb; }
td { overflow-wrap: anywhere; } td.route { overflow-wrap: break-word; } th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.answers { font-variant-numeric: tabular-nums; } .status, .status-bad { white-space: nowrap; }
.sub { display: block; color: #6b7280; font-size: 12px; }
tr.blocking td { background: #fef2f2; } tr.inconclusive td { background: #fffbeb; }
.verdict-ok { color: #15803d; } .verdict-blocking { color: #b91c1c; } .verdict-inconclusive { color: #b45309; }
.verdict-note { display: block; color: #4b5563; font-size: 12px; font-weight: normal; }
.status-bad { color: #b91c1c; } .none { color: #b45309; }
.note { color: #6b7280; font-size: 12px; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">${escapeHtml(`Started ${report.startedAt} · ${machine.runtime ?? `Node ${machine.node}`} · ${machine.cores} × ${machine.cpu} · ${machine.platform}`)}</p>
${introduction(report)}
${sections.filter((section) => section !== '').join('\n')}
</body>
</html>
`;
}

/** What was measured (or the caller's own summary of it, with its lesson), what the verdicts mean, and whether to trust them. */
function introduction(report: EvidenceReport): string {
  const parts: string[] = [];
  const summary = report.summary?.trim() ?? '';
  parts.push(summary === '' ? `<p class="measured">${escapeHtml(measured(report))}</p>` : `<p class="lesson">${escapeHtml(summary)}</p>`);
  const shown = (['ok', 'blocking', 'inconclusive'] as const).map(
    (verdict) => `<li><strong class="verdict-${verdict}">${escapeHtml(VERDICT_TEXT[verdict])}</strong>: ${escapeHtml(VERDICT_MEANING[verdict])}</li>`,
  );
  parts.push(`<ul class="verdicts">${shown.join('')}</ul>`);
  const starved = report.hostStarvedMs ?? 0;
  if (starved >= HOST_BUSY_MS) {
    parts.push(
      `<p class="host-busy"><strong>Host busy: verdicts less certain.</strong> ${escapeHtml(
        `Other processes kept the server off the CPU for ${formatMs(starved)} ms during the bench (the loop guard counts that apart, against no route), so latencies are higher than the app alone would give. Run it again on a quieter machine to confirm.`,
      )}</p>`,
    );
  }
  return parts.join('\n');
}

function measured(report: EvidenceReport): string {
  if (report.runs.length === 0) return `Nothing was loaded on ${report.target}.`;
  const routes = [...new Set(report.runs.map((run) => run.route))];
  const levels = [...new Set(report.runs.map((run) => run.concurrency))].sort((a, b) => a - b);
  const connections = `${listInWords(levels.map(String))} concurrent connection${levels.length === 1 && levels[0] === 1 ? '' : 's'}`;
  return (
    `Measured: ${routes.length} route${routes.length === 1 ? '' : 's'} of ${report.target}, each loaded with ${connections} ` +
    `for ${formatSeconds(report.runs.map((run) => run.durationSeconds))} per run, while the server's own loop guard ` +
    `reported its event-loop delay and which route, if any, held the loop.`
  );
}

function tables(runs: RunResult[]): string {
  const levels = [...new Set(runs.map((run) => run.concurrency))];
  // Fixed column widths: every table lines up with the others, and long route names wrap instead of widening the page.
  const columns = [
    ['route', 'route'],
    ['rate', 'req/s'],
    ['latency', 'p50 / p95 / p99 ms'],
    ['answers', 'answers'],
    ['loop', 'loop guard'],
    ['verdict', 'verdict'],
  ];
  const cols = `<colgroup>${columns.map(([name]) => `<col class="${name}">`).join('')}</colgroup>`;
  const head = columns.map(([name, title]) => `<th${name === 'rate' || name === 'latency' ? ' class="num"' : ''}>${escapeHtml(title!)}</th>`).join('');
  return levels
    .map((concurrency) => {
      const rows = runs.filter((run) => run.concurrency === concurrency).map(row);
      const caption = `${concurrency} concurrent connection${concurrency === 1 ? '' : 's'}`;
      return `<table data-concurrency="${concurrency}"><caption>${escapeHtml(caption)}</caption>${cols}<thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
    })
    .join('\n');
}

function row(run: RunResult): string {
  const none = run.requests === 0;
  const { p50, p95, p99 } = run.latencyMs;
  const cells = [
    `<td class="route">${breakable(run.route)}<span class="sub">${escapeHtml(run.pattern)}</span></td>`,
    `<td class="num">${escapeHtml(formatRate(run.requestsPerSecond))}</td>`,
    none ? '<td class="num none">none answered</td>' : `<td class="num">${escapeHtml(`${formatMs(p50)} / ${formatMs(p95)} / ${formatMs(p99)}`)}</td>`,
    `<td class="answers">${answers(run)}</td>`,
    `<td class="loop">${loopGuard(run)}</td>`,
    `<td class="verdict"><strong class="verdict-${run.verdict}">${escapeHtml(VERDICT_TEXT[run.verdict])}</strong>${
      run.verdictNote === undefined ? '' : `<span class="verdict-note">${escapeHtml(run.verdictNote)}</span>`
    }</td>`,
  ];
  return `<tr class="${run.verdict}" data-route="${escapeHtml(run.route)}" data-verdict="${run.verdict}">${cells.join('')}</tr>`;
}

/** Responses by status code, then what got no answer: "200: 981 · 401: 12 · timeouts: 3". */
function answers(run: RunResult): string {
  const codes = Object.entries(run.statuses)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([code, count]) => `<span class="${/^[23]/.test(code) ? 'status' : 'status status-bad'}">${escapeHtml(`${code}: ${count.toLocaleString('en-US')}`)}</span>`);
  if (run.timeouts > 0) codes.push(`<span class="status-bad">${escapeHtml(`timeouts: ${run.timeouts.toLocaleString('en-US')}`)}</span>`);
  if (run.socketErrors > 0) codes.push(`<span class="status-bad">${escapeHtml(`socket errors: ${run.socketErrors.toLocaleString('en-US')}`)}</span>`);
  if (codes.length === 0) codes.push('<span class="none">none answered</span>');
  return codes.join(' · ');
}

/** The largest loop delay during the run, and the time (and stalls) the guard charged to this route. */
function loopGuard(run: RunResult): string {
  const delay = run.loopDelayMaxMs === null ? 'max delay ?' : `max delay ${formatMs(run.loopDelayMaxMs)} ms`;
  let blocked = run.blockedMs === null ? 'blocked ?' : `blocked ${formatMs(run.blockedMs)} ms`;
  if (run.blockedCount !== null && run.blockedCount > 0) blocked += ` in ${run.blockedCount} stall${run.blockedCount === 1 ? '' : 's'}`;
  return `${escapeHtml(delay)}<span class="sub">${escapeHtml(blocked)}</span>`;
}

function skipped(report: EvidenceReport): string {
  const list = report.skipped ?? [];
  if (list.length === 0) return '';
  const items = list.slice(0, SKIPPED_SHOWN).map((skip) => `<li><code>${escapeHtml(skip.route)}</code>: ${escapeHtml(skip.reason)}</li>`);
  if (list.length > SKIPPED_SHOWN) items.push(`<li>${escapeHtml(`and ${list.length - SKIPPED_SHOWN} more`)}</li>`);
  return `<h2>Not loaded</h2>\n<ul class="skipped">${items.join('')}</ul>`;
}

/** The route as text that may break after each "/" (and before "?"), so a long path wraps at its segments. */
function breakable(route: string): string {
  return route
    .split(/(?<=\/)|(?=\?)/)
    .map(escapeHtml)
    .join('<wbr>');
}
