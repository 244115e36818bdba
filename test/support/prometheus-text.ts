/**
 * A strict parser for the Prometheus text exposition format 0.0.4, for tests: it throws on anything
 * a Prometheus server would reject or that the format forbids, rather than guessing.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 *
 * Written here because the npm parser (parse-prometheus-text-format 1.1.1, last released 2019)
 * loses labelled histograms: it folds every label set's buckets into one object and drops their
 * _sum and _count (its issue #13 and PR #8 have been open since 2019–2020), and it accepts
 * malformed lines (values are never checked as numbers, unknown escapes pass through).
 *
 * Checked: line grammar; metric and label names; label value escapes (only \\, \" and \n);
 * values as Go's ParseFloat reads them (NaN, ±Inf); at most one HELP and one TYPE per family, both
 * before its samples; a family's samples contiguous; sample names allowed by the family's type
 * (histogram: _bucket with an le label, _sum, _count); no duplicate label names or series; the
 * text ends with a line feed.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name: for a histogram, `<family>_bucket`, `_sum` or `_count`. */
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string | undefined;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export class PrometheusTextError extends Error {
  constructor(line: number, message: string, text: string) {
    super(`line ${line}: ${message}: ${JSON.stringify(text)}`);
    this.name = 'PrometheusTextError';
  }
}

/** Families by name, in the order they first appear. */
export function parsePrometheusText(text: string): Map<string, Family> {
  if (text.length > 0 && !text.endsWith('\n')) throw new PrometheusTextError(0, 'the text must end with a line feed', text.slice(-40));
  const families = new Map<string, Family>();
  const seriesSeen = new Set<string>();
  /** Families that had a TYPE line (a family without one is untyped). */
  const typeSet = new Set<string>();
  /** Families whose samples have ended (another family's sample came after), so no more may follow. */
  const closed = new Set<string>();
  let current: Family | null = null;
  const lines = text.split('\n');
  lines.pop(); // after the final line feed

  lines.forEach((line, index) => {
    const at = index + 1;
    const fail = (message: string): never => {
      throw new PrometheusTextError(at, message, line);
    };
    if (line.trim() === '') return;

    if (line.startsWith('#')) {
      const match = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
      if (match === null) return; // a plain comment
      const [, keyword, name, rest = ''] = match;
      if (!METRIC_NAME.test(name)) fail(`invalid metric name ${name}`);
      const family = familyFor(name);
      if (family.samples.length > 0) fail(`${keyword} for ${name} after its samples`);
      if (keyword === 'HELP') {
        if (family.help !== undefined) fail(`second HELP for ${name}`);
        family.help = unescapeHelp(rest, fail);
      } else {
        if (typeSet.has(name)) fail(`second TYPE for ${name}`);
        if (!TYPES.has(rest)) fail(`unknown type ${JSON.stringify(rest)}`);
        family.type = rest as MetricType;
        typeSet.add(name);
      }
      return;
    }

    const sample = parseSample(line, fail);
    const family = owner(sample.name);
    if (current !== null && current !== family) closed.add(current.name);
    if (closed.has(family.name)) fail(`samples of ${family.name} are not contiguous`);
    current = family;
    checkSampleName(family, sample, fail);
    const series = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
    if (seriesSeen.has(series)) fail('duplicate series');
    seriesSeen.add(series);
    family.samples.push(sample);
  });
  return families;

  function familyFor(name: string): Family {
    let family = families.get(name);
    if (family === undefined) {
      family = { name, type: 'untyped', help: undefined, samples: [] };
      families.set(name, family);
    }
    return family;
  }

  /** The family a sample belongs to: a histogram's or summary's by suffix when one is declared, else its own name. */
  function owner(sampleName: string): Family {
    for (const suffix of ['_bucket', '_sum', '_count']) {
      if (!sampleName.endsWith(suffix)) continue;
      const base = families.get(sampleName.slice(0, -suffix.length));
      if (base !== undefined && (base.type === 'histogram' || (base.type === 'summary' && suffix !== '_bucket'))) return base;
    }
    return familyFor(sampleName);
  }
}

function checkSampleName(family: Family, sample: Sample, fail: (message: string) => never): void {
  const { name, labels } = sample;
  if (family.type === 'histogram') {
    if (name === `${family.name}_bucket`) {
      if (labels.le === undefined) fail('a histogram bucket without an le label');
      parseValue(labels.le, fail);
    } else if (name !== `${family.name}_sum` && name !== `${family.name}_count`) fail(`sample ${name} in histogram ${family.name}`);
    else if ('le' in labels) fail('le label outside a bucket');
  } else if (family.type === 'summary') {
    if (name === family.name) {
      if (labels.quantile === undefined) fail('a summary sample without a quantile label');
    } else if (name !== `${family.name}_sum` && name !== `${family.name}_count`) fail(`sample ${name} in summary ${family.name}`);
  } else if (name !== family.name) fail(`sample ${name} in ${family.type} ${family.name}`);
}

function parseSample(line: string, fail: (message: string) => never): Sample {
  let i = 0;
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (nameMatch === null) fail('a sample must start with a metric name');
  const name = nameMatch![0];
  i = name.length;
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const labelMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
      if (labelMatch === null) fail('expected a label name');
      const labelName = labelMatch![0];
      if (!LABEL_NAME.test(labelName)) fail(`invalid label name ${labelName}`);
      if (labelName in labels) fail(`label ${labelName} given twice`);
      i += labelName.length;
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] !== '=') fail(`expected = after ${labelName}`);
      i++;
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] !== '"') fail(`expected " to open the value of ${labelName}`);
      i++;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) fail(`unterminated value of ${labelName}`);
        if (c === '"') break;
        if (c === '\\') {
          const next = line[i + 1];
          if (next === '\\') value += '\\';
          else if (next === '"') value += '"';
          else if (next === 'n') value += '\n';
          else fail(`invalid escape \\${next ?? ''} in the value of ${labelName}`);
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
      i++; // the closing quote
      labels[labelName] = value;
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') fail('expected , or } after a label');
    }
  }
  if (line[i] !== ' ' && line[i] !== '\t') fail('expected a blank before the value');
  const fields = line.slice(i).trim().split(/[ \t]+/);
  if (fields.length < 1 || fields.length > 2 || fields[0] === '') fail('expected a value and an optional timestamp');
  const sample: Sample = { name, labels: { ...labels }, value: parseValue(fields[0], fail) };
  if (fields.length === 2) {
    if (!/^-?\d+$/.test(fields[1])) fail('a timestamp must be an integer (ms)');
    sample.timestampMs = Number(fields[1]);
  }
  return sample;
}

/** A float as Go's strconv.ParseFloat reads it (what Prometheus uses): decimal or exponent form, NaN, ±Inf. */
export function parseValue(text: string, fail: (message: string) => never = (message) => {
  throw new Error(message);
}): number {
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) fail(`not a number: ${JSON.stringify(text)}`);
  return Number(text);
}

function unescapeHelp(text: string, fail: (message: string) => never): string {
  return text.replace(/\\(.?)/g, (_, next: string) => {
    if (next === '\\') return '\\';
    if (next === 'n') return '\n';
    return fail(`invalid escape \\${next} in HELP`);
  });
}

/** One labelled series of a histogram: its buckets in order (le ascending, +Inf last), _sum and _count. */
export interface HistogramSeries {
  labels: Record<string, string>;
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

/** Groups a histogram family's samples by their labels other than le; throws if a series lacks _sum, _count or the +Inf bucket. */
export function histogramSeries(family: Family): HistogramSeries[] {
  if (family.type !== 'histogram') throw new Error(`${family.name} is a ${family.type}, not a histogram`);
  const byKey = new Map<string, { labels: Record<string, string>; buckets: { le: number; count: number }[]; sum?: number; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...labels } = sample.labels;
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    let series = byKey.get(key);
    if (series === undefined) byKey.set(key, (series = { labels, buckets: [] }));
    if (sample.name.endsWith('_bucket')) series.buckets.push({ le: parseValue(le), count: sample.value });
    else if (sample.name.endsWith('_sum')) series.sum = sample.value;
    else series.count = sample.value;
  }
  return [...byKey.values()].map((series) => {
    const what = `${family.name}${JSON.stringify(series.labels)}`;
    if (series.sum === undefined || series.count === undefined) throw new Error(`${what} lacks _sum or _count`);
    series.buckets.sort((a, b) => a.le - b.le);
    if (series.buckets.at(-1)?.le !== Infinity) throw new Error(`${what} has no +Inf bucket`);
    return { labels: series.labels, buckets: series.buckets, sum: series.sum, count: series.count };
  });
}
