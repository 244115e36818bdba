// The strict Prometheus text parser the metrics tests read /metrics with (test/support/prometheus-text.ts):
// it must read what the format allows, labelled histograms included, and refuse what it forbids,
// or the metrics tests would pass on broken output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogramSeries, parsePrometheusText, PrometheusTextError } from '../support/prometheus-text.js';

const HISTOGRAM = `# HELP rpc_seconds RPC latency.\\nSecond line \\\\ backslash.
# TYPE rpc_seconds histogram
rpc_seconds_bucket{svc="a",le="0.1"} 1
rpc_seconds_bucket{svc="a",le="1"} 3
rpc_seconds_bucket{svc="a",le="+Inf"} 4
rpc_seconds_sum{svc="a"} 7.5
rpc_seconds_count{svc="a"} 4
rpc_seconds_bucket{le="0.1",svc="b"} 0
rpc_seconds_bucket{le="1",svc="b"} 0
rpc_seconds_bucket{le="+Inf",svc="b"} 2
rpc_seconds_sum{svc="b"} 30
rpc_seconds_count{svc="b"} 2
`;

test('reads a labelled histogram: each label set keeps its own buckets, _sum and _count', () => {
  const families = parsePrometheusText(HISTOGRAM);
  const rpc = families.get('rpc_seconds')!;
  assert.equal(rpc.type, 'histogram');
  assert.equal(rpc.help, 'RPC latency.\nSecond line \\ backslash.');
  assert.deepEqual(histogramSeries(rpc), [
    { labels: { svc: 'a' }, buckets: [{ le: 0.1, count: 1 }, { le: 1, count: 3 }, { le: Infinity, count: 4 }], sum: 7.5, count: 4 },
    { labels: { svc: 'b' }, buckets: [{ le: 0.1, count: 0 }, { le: 1, count: 0 }, { le: Infinity, count: 2 }], sum: 30, count: 2 },
  ]);
});

test('reads escapes, special values, timestamps, untyped families and comments', () => {
  const families = parsePrometheusText(
    [
      '# a plain comment',
      '# TYPE g gauge',
      'g{path="a\\"b\\\\c\\nd",x=""} -Inf',
      'g{path="nan"} NaN',
      'g{path="exp" , } 1.5e-3 1700000000000',
      '',
      'untyped_thing 42',
      '',
    ].join('\n'),
  );
  const g = families.get('g')!;
  assert.deepEqual(g.samples[0], { name: 'g', labels: { path: 'a"b\\c\nd', x: '' }, value: -Infinity });
  assert.ok(Number.isNaN(g.samples[1].value));
  assert.deepEqual(g.samples[2], { name: 'g', labels: { path: 'exp' }, value: 0.0015, timestampMs: 1700000000000 });
  assert.equal(families.get('untyped_thing')!.type, 'untyped');
});

test('refuses what the format forbids', () => {
  const bad: Record<string, string> = {
    'no final line feed': 'a 1',
    'value not a number': 'a abc\n',
    'no value': 'a{x="1"}\n',
    'unknown escape': 'a{x="\\t"} 1\n',
    'raw quote ends the value early': 'a{x="say "hi""} 1\n',
    'unterminated label value': 'a{x="1} 1\n',
    'duplicate label': 'a{x="1",x="2"} 1\n',
    'invalid label name': 'a{1x="1"} 1\n',
    'invalid metric name': '1a 1\n',
    'duplicate series': 'a{x="1"} 1\na{x="1"} 2\n',
    'TYPE after samples': 'a 1\n# TYPE a counter\n',
    'second TYPE': '# TYPE a counter\n# TYPE a gauge\n',
    'unknown type': '# TYPE a thing\n',
    'samples not contiguous': 'a 1\nb 1\na{x="2"} 1\n',
    'bucket without le': '# TYPE h histogram\nh_bucket{x="1"} 1\n',
    'foreign sample in a histogram': '# TYPE h histogram\nh 1\n',
    'label set not closed': 'a{x="1" 1\n',
    'timestamp not an integer': 'a 1 1.5\n',
  };
  for (const [what, text] of Object.entries(bad)) {
    assert.throws(() => parsePrometheusText(text), PrometheusTextError, what);
  }
});

test('histogramSeries refuses a series without +Inf, _sum or _count', () => {
  const noInf = '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n';
  const noCount = '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_sum 1\n';
  assert.throws(() => histogramSeries(parsePrometheusText(noInf).get('h')!), /\+Inf/);
  assert.throws(() => histogramSeries(parsePrometheusText(noCount).get('h')!), /_sum or _count/);
});
