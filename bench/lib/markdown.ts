// A run written up in bench/RESULTS.md's format (## Setup, ## Results: a table per route, the
// ratios, the noise and target lines as printed), saved next to the JSON results: it replaces
// those sections at the top of RESULTS.md, with a reading written by hand. The ratios table keeps its `loopwise/raw-http` column, which baseline.ts reads back
// as the next run's "unchanged" yardstick.
import type { Machine } from './machine.js';
import { formatRate, formatRoundRange, formatTimes, type RouteSummary } from './report.js';
import { SERVER_SPECS, type ServerName } from './servers.js';

export interface WriteUp {
  startedAt: Date;
  /** As typed, e.g. `npm run bench -- --rounds 3`. */
  command: string;
  /** "3 rounds × 3 routes × 6 servers, wrk `-t1 -c50 -d5s` after a 1 s warm-up". */
  shape: string;
  machine: Machine;
  pinning: string;
  responseSchemas: string;
  resultsFile: string;
  summaries: RouteSummary[];
  /** "No run was disturbed …" or how many stayed disturbed. */
  disturbance: string;
  noise: string | null;
  targets: string;
}

/** The server each listed package is measured in; TypeBox (loopwise's `t`, Fastify's schemas) is always listed. */
const MEASURED_IN: Record<string, ServerName> = { fastify: 'fastify', elysia: 'elysia', hono: 'hono', '@hono/node-server': 'hono', express: 'express' };

const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
const range = (values: number[]): string => formatRoundRange(values).replace(' (rounds ', ' (');

function utc(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)}, ${iso.slice(11, 16)} UTC`;
}

function setup(w: WriteUp): string[] {
  const ran = new Set(w.summaries.flatMap((s) => s.servers.map((server) => server.server)));
  const frameworks = Object.entries(w.machine.frameworks)
    .filter(([name]) => MEASURED_IN[name] === undefined || ran.has(MEASURED_IN[name]))
    .map(([name, version]) => `${name} ${version}`);
  const onBun = [...ran].some((server) => SERVER_SPECS[server].runtime === 'bun');
  return [
    '| | |',
    '|---|---|',
    row(['date', utc(w.startedAt)]),
    row(['command', `\`${w.command}\` (${w.shape})`]),
    row(['machine', `${w.machine.cpu}, ${w.machine.cores} cores, kernel \`${w.machine.kernel}\``]),
    row(['pinning', w.pinning]),
    row(['Node', w.machine.node]),
    ...(onBun ? [row(['Bun', `${w.machine.bun} (\`node_modules/.bin/bun\`)`])] : []),
    row(['wrk', w.machine.wrk]),
    row(['loopwise', w.machine.commit + (ran.has('loopwise-bun') ? `; on Bun through its ${w.machine.loopwiseOnBun}` : '')]),
    row(['frameworks', frameworks.length === 0 ? 'none' : frameworks.join(', ')]),
    row(['response schemas', w.responseSchemas]),
    row(['raw results', `\`${w.resultsFile}\` (git-ignored)`]),
  ];
}

function routeTable(summary: RouteSummary): string[] {
  return [
    `### ${summary.route}`,
    '',
    row(['server', 'runtime', 'req/s (median)', '× raw-http', 'p99 (median)', 'req/s per round']),
    '|---|---|---:|---|---:|---|',
    ...summary.servers.map((s) =>
      row([
        s.server,
        SERVER_SPECS[s.server].runtime,
        formatRate(s.requestsPerSecond),
        formatTimes(s.vsRaw) + range(s.vsRawRounds),
        `${s.p99Ms.toFixed(2)} ms`,
        s.rounds.map((value, i) => formatRate(value) + (s.disturbedRounds.includes(i + 1) ? '*' : '')).join(' / '),
      ]),
    ),
  ];
}

function ratios(summaries: RouteSummary[]): string[] {
  const columns = [...new Set(summaries.flatMap((s) => s.pairs.map((p) => `${p.mine}/${p.theirs}`)))];
  const header = ['route', 'loopwise/raw-http', ...columns];
  return [
    '### Ratios (median req/s over the other\'s; lowest–highest per-round ratio in brackets)',
    '',
    row(header),
    row(header.map(() => '---')),
    ...summaries.map((s) => {
      const loopwise = s.servers.find((server) => server.server === 'loopwise');
      const cells = columns.map((column) => {
        const pair = s.pairs.find((p) => `${p.mine}/${p.theirs}` === column);
        return pair === undefined ? 'n/a' : formatTimes(pair.ratio) + range(pair.rounds);
      });
      return row([s.route, loopwise === undefined ? 'n/a' : formatTimes(loopwise.vsRaw) + range(loopwise.vsRawRounds), ...cells]);
    }),
  ];
}

export function renderWriteUp(w: WriteUp): string {
  const fence = (text: string): string[] => ['```', text, '```'];
  return [
    '## Setup',
    '',
    ...setup(w),
    '',
    '## Results',
    '',
    `Requests per second (median of the rounds) and p99 latency (median of the rounds). ${w.disturbance.replace(/^\* /, '')}`,
    '',
    ...w.summaries.flatMap((s) => [...routeTable(s), '']),
    ...ratios(w.summaries),
    '',
    ...(w.noise === null ? [] : ['Noise line, as printed:', '', ...fence(w.noise), '']),
    'Targets, as printed:',
    '',
    ...fence(w.targets),
    '',
  ].join('\n');
}
