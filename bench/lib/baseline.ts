// The previous run written up in bench/RESULTS.md, as the yardstick for "loopwise on Node
// unchanged": its loopwise/raw-http ratio per route, read from the first Markdown table whose
// header has a `loopwise/raw-http` column (the Ratios table of the run at the top of the file).
import { readFileSync } from 'node:fs';

export interface Baseline {
  /** The run's date as RESULTS.md's setup table gives it ("2026-11-25, 10:10 UTC"), or 'undated'. */
  date: string;
  /** Route name ("GET /json") → loopwise's median req/s over raw-http's in that run. */
  loopwiseVsRaw: Map<string, number>;
}

const COLUMN = 'loopwise/raw-http';

function cells(line: string): string[] {
  return line.trim().replace(/^\||\|$/g, '').split('|').map((cell) => cell.trim());
}

/** null when the file or its ratios table is not there: the "unchanged" targets then say n/a. */
export function readBaseline(resultsFile: string): Baseline | null {
  let text: string;
  try {
    text = readFileSync(resultsFile, 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  const header = lines.findIndex((line) => line.trimStart().startsWith('|') && cells(line).includes(COLUMN));
  if (header === -1) return null;
  const column = cells(lines[header]!).indexOf(COLUMN);
  const loopwiseVsRaw = new Map<string, number>();
  // Row 1 under the header is the |---| separator; the table ends at the first line that is not a row.
  for (const line of lines.slice(header + 2)) {
    if (!line.trimStart().startsWith('|')) break;
    const row = cells(line);
    const ratio = /^([\d.]+)×/.exec(row[column] ?? '');
    if (ratio !== null) loopwiseVsRaw.set(row[0]!, Number(ratio[1]));
  }
  if (loopwiseVsRaw.size === 0) return null;
  const dated = lines.find((line) => /^\|\s*date\s*\|/.test(line));
  // "2026-11-25, 10:10 UTC (run 2 of 2; …)": the remark in brackets is not part of the date.
  const date = dated === undefined ? 'undated' : cells(dated)[1]!.replace(/\s*\(.*$/, '');
  return { date, loopwiseVsRaw };
}
