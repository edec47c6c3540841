import { describe, expect, it } from 'vitest';
import { FLAG_NO_RECORDED_VALUE, type HistogramDataPoint, type NumberDataPoint } from '../../../src/model/metrics.ts';
import { toBatch } from '../../../receivers/prometheus/batch.ts';
import { parseExposition } from '../../../receivers/prometheus/parse.ts';
import { compileRelabels } from '../../../receivers/prometheus/relabel.ts';
import { SeriesState } from '../../../receivers/prometheus/series-state.ts';
import { familiesToSeries, type TargetLabels } from '../../../receivers/prometheus/to-otlp.ts';

const TARGET: TargetLabels = { labels: { job: 'prompter-api', instance: '10.0.0.7:8000', env: 'prod' }, honorLabels: false, honorTimestamps: true, relabels: [] };
const S = 1e9;

function page(requests: number, extra = ''): string {
  return `# HELP prompter_probe_attempts_total Probe attempts
# TYPE prompter_probe_attempts_total counter
prompter_probe_attempts_total{provider="openai",model="gpt-4o"} ${requests}
# TYPE prompter_redis_up gauge
prompter_redis_up 1
# TYPE starlette_requests_processing_seconds histogram
starlette_requests_processing_seconds_bucket{method="GET",route="/x",le="0.1"} ${requests}
starlette_requests_processing_seconds_bucket{method="GET",route="/x",le="1.0"} ${requests + 1}
starlette_requests_processing_seconds_bucket{method="GET",route="/x",le="+Inf"} ${requests + 2}
starlette_requests_processing_seconds_sum{method="GET",route="/x"} ${requests * 0.5}
starlette_requests_processing_seconds_count{method="GET",route="/x"} ${requests + 2}
${extra}`;
}

function scrape(state: SeriesState, text: string, atS: number) {
  return state.adjust(familiesToSeries(parseExposition(text, 'text'), TARGET, atS * 1000).series, atS * S);
}

const byName = (series: ReturnType<typeof scrape>, name: string) => series.filter((s) => s.metric.name === name);

describe('scraped series as OTLP points', () => {
  it('makes a counter foo_total a monotonic cumulative sum named foo, with job and instance as the resource', () => {
    const series = scrape(new SeriesState(), page(5), 100);
    const [attempts] = byName(series, 'prompter_probe_attempts');
    expect(attempts!.metric.type).toBe('sum');
    expect(attempts!.point).toMatchObject({ value: 5, attributes: { provider: 'openai', model: 'gpt-4o', env: 'prod' } });
    const batch = toBatch(series, 'http');
    expect(batch.resourceMetrics).toHaveLength(1);
    expect(batch.resourceMetrics[0]!.resource.attributes).toEqual({ 'service.name': 'prompter-api', 'service.instance.id': '10.0.0.7:8000', 'server.address': '10.0.0.7', 'server.port': '8000', 'url.scheme': 'http' });
    const sum = batch.resourceMetrics[0]!.scopeMetrics[0]!.metrics.find((m) => m.name === 'prompter_probe_attempts')!;
    expect(sum).toMatchObject({ type: 'sum', temporality: 'cumulative', monotonic: true });
  });

  it('assembles a histogram from its cumulative buckets into per-bucket counts with sum and count', () => {
    const [h] = byName(scrape(new SeriesState(), page(5), 100), 'starlette_requests_processing_seconds');
    expect(h!.point).toMatchObject({ count: 7, sum: 2.5, explicitBounds: [0.1, 1], bucketCounts: [5, 1, 1], attributes: { method: 'GET', route: '/x', env: 'prod' } });
  });

  it('keeps the first scrape time as the start time while a counter grows', () => {
    const state = new SeriesState();
    scrape(state, page(5), 100);
    const [p] = byName(scrape(state, page(9), 115), 'prompter_probe_attempts');
    expect(p!.point).toMatchObject({ value: 9, startTimeUnixNano: 100 * S, timeUnixNano: 115 * S });
  });

  it('starts a new start time, just after the previous scrape, when a counter or histogram drops (a restart)', () => {
    const state = new SeriesState();
    scrape(state, page(5), 100);
    scrape(state, page(9), 115);
    const after = scrape(state, page(2), 130);
    const counter = byName(after, 'prompter_probe_attempts')[0]!.point as NumberDataPoint;
    expect(counter.value).toBe(2);
    expect(counter.startTimeUnixNano).toBe(115 * S + 1e6);
    const hist = byName(after, 'starlette_requests_processing_seconds')[0]!.point as HistogramDataPoint;
    expect(hist.startTimeUnixNano).toBe(115 * S + 1e6);
    // And that new start holds while it grows again.
    expect(byName(scrape(state, page(3), 145), 'prompter_probe_attempts')[0]!.point.startTimeUnixNano).toBe(115 * S + 1e6);
  });

  it('assembles a summary from its quantiles, _sum and _count, and starts a new interval when its count drops', () => {
    const summary = (count: number, sum: number) => `# TYPE prompter_ensure_version_seconds summary
prompter_ensure_version_seconds{provider="openai",quantile="0.99"} 0.9
prompter_ensure_version_seconds{provider="openai",quantile="0.5"} 0.2
prompter_ensure_version_seconds_sum{provider="openai"} ${sum}
prompter_ensure_version_seconds_count{provider="openai"} ${count}
`;
    const state = new SeriesState();
    const [first] = scrape(state, summary(10, 3.5), 100);
    expect(first!.metric).toMatchObject({ name: 'prompter_ensure_version_seconds', type: 'summary' });
    expect(first!.point).toEqual({
      attributes: { provider: 'openai', env: 'prod' },
      startTimeUnixNano: 100 * S,
      timeUnixNano: 100 * S,
      flags: 0,
      count: 10,
      sum: 3.5,
      quantileValues: [
        { quantile: 0.5, value: 0.2 },
        { quantile: 0.99, value: 0.9 },
      ],
    });
    expect(toBatch([first!], 'http').resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]).toMatchObject({ type: 'summary', name: 'prompter_ensure_version_seconds' });
    expect(scrape(state, summary(12, 4), 115)[0]!.point.startTimeUnixNano).toBe(100 * S);
    // The process restarted: fewer observations than before.
    expect(scrape(state, summary(1, 0.2), 130)[0]!.point.startTimeUnixNano).toBe(115 * S + 1e6);
  });

  it('gives gauges no start time', () => {
    expect(byName(scrape(new SeriesState(), page(1), 100), 'prompter_redis_up')[0]!.point.startTimeUnixNano).toBe(0);
  });

  it('takes OpenMetrics _created as the start time', () => {
    const om = '# TYPE c counter\nc_total 3\nc_created 1700000000\n# EOF\n';
    const series = new SeriesState().adjust(familiesToSeries(parseExposition(om, 'openmetrics'), TARGET, 1_700_000_100_000).series, 1_700_000_100 * S);
    expect(series[0]!.point).toMatchObject({ value: 3, startTimeUnixNano: 1_700_000_000 * S });
  });

  it('takes the _created gauges prometheus_client writes in the 0.0.4 format as start times, not as series', () => {
    // What seed 001's generate_latest() writes: each family's creation times after it, as a gauge family.
    const python = (requests: number, created: number) => `# HELP starlette_requests_total Total HTTP requests
# TYPE starlette_requests_total counter
starlette_requests_total{method="GET",route="/x",status="200"} ${requests}.0
# HELP starlette_requests_created Total HTTP requests
# TYPE starlette_requests_created gauge
starlette_requests_created{method="GET",route="/x",status="200"} ${created}
# HELP starlette_requests_processing_seconds Latency
# TYPE starlette_requests_processing_seconds histogram
starlette_requests_processing_seconds_bucket{method="GET",route="/x",le="0.1"} ${requests}.0
starlette_requests_processing_seconds_bucket{method="GET",route="/x",le="+Inf"} ${requests}.0
starlette_requests_processing_seconds_count{method="GET",route="/x"} ${requests}.0
starlette_requests_processing_seconds_sum{method="GET",route="/x"} 0.5
# HELP starlette_requests_processing_seconds_created Latency
# TYPE starlette_requests_processing_seconds_created gauge
starlette_requests_processing_seconds_created{method="GET",route="/x"} ${created}
# TYPE cache_created gauge
cache_created 7
`;
    const state = new SeriesState();
    const first = scrape(state, python(5, 1_700_000_000.25), 1_700_000_100);
    expect(first.map((s) => `${s.metric.name} ${s.metric.type}`).sort()).toEqual(['cache_created gauge', 'starlette_requests sum', 'starlette_requests_processing_seconds histogram']);
    for (const name of ['starlette_requests', 'starlette_requests_processing_seconds']) expect(byName(first, name)[0]!.point.startTimeUnixNano, name).toBe(1_700_000_000.25 * S);
    expect(byName(first, 'starlette_requests')[0]!.point).toMatchObject({ value: 5, attributes: { method: 'GET', route: '/x', status: '200', env: 'prod' } });
    // The app restarted: a new creation time is the new start, whatever the value.
    const after = scrape(state, python(9, 1_700_000_150), 1_700_000_160);
    expect(byName(after, 'starlette_requests')[0]!.point).toMatchObject({ value: 9, startTimeUnixNano: 1_700_000_150 * S });
  });

  it('sends a stale marker (no recorded value) for a series that disappears, and forgets its start time', () => {
    const state = new SeriesState();
    scrape(state, page(5, 'gone_total 1\n'), 100);
    const next = scrape(state, page(6), 115);
    const stale = byName(next, 'gone_total');
    expect(stale).toHaveLength(1);
    expect(stale[0]!.point.flags & FLAG_NO_RECORDED_VALUE).toBe(FLAG_NO_RECORDED_VALUE);
    expect(stale[0]!.point.timeUnixNano).toBe(115 * S);
    // Said once: the next scrape has no marker.
    expect(byName(scrape(state, page(7), 130), 'gone_total')).toHaveLength(0);
  });

  it('marks every series stale when the target cannot be scraped', () => {
    const state = new SeriesState();
    scrape(state, page(5), 100);
    const stale = state.allStale(115 * S);
    expect(stale.map((s) => s.metric.name).sort()).toEqual(['prompter_probe_attempts', 'prompter_redis_up', 'starlette_requests_processing_seconds']);
    expect(stale.every((s) => s.point.flags === FLAG_NO_RECORDED_VALUE)).toBe(true);
    expect(state.allStale(130 * S)).toEqual([]);
    // Back: a new series, its start time the scrape's.
    expect(byName(scrape(state, page(1), 145), 'prompter_probe_attempts')[0]!.point.startTimeUnixNano).toBe(145 * S);
  });

  it('keeps a clashing scraped label as exported_<name> unless honor_labels', () => {
    const text = 'x{job="app",env="dev"} 1\n';
    const plain = familiesToSeries(parseExposition(text, 'text'), TARGET, 0).series[0]!;
    expect(plain.job).toBe('prompter-api');
    expect(plain.point.attributes).toEqual({ exported_job: 'app', exported_env: 'dev', env: 'prod' });
    const honored = familiesToSeries(parseExposition(text, 'text'), { ...TARGET, honorLabels: true }, 0).series[0]!;
    expect(honored.job).toBe('app');
    expect(honored.point.attributes).toEqual({ env: 'dev' });
  });

  it('converts samples a replace rule renamed (through __name__) or gave a new label under the new name and labels', () => {
    const relabels = compileRelabels([
      { action: 'replace', source_labels: ['__name__'], regex: 'starlette_(.*)', target_label: '__name__', replacement: 'http_$1', separator: ';' },
      { action: 'replace', source_labels: ['route'], regex: '/(x)', target_label: 'path', replacement: '/api/$1', separator: ';' },
    ]);
    const out = familiesToSeries(parseExposition(page(5), 'text'), { ...TARGET, relabels }, 0).series;
    const [h] = out.filter((s) => s.metric.name === 'http_requests_processing_seconds');
    expect(h!.metric.type).toBe('histogram');
    expect(h!.point).toMatchObject({ count: 7, bucketCounts: [5, 1, 1], attributes: { method: 'GET', route: '/x', path: '/api/x', env: 'prod' } });
    expect(out.map((s) => s.metric.name).sort()).toEqual(['http_requests_processing_seconds', 'prompter_probe_attempts', 'prompter_redis_up']);
  });

  it('applies metric_relabel_configs before conversion and counts what it kept', () => {
    const relabels = compileRelabels([{ action: 'drop', source_labels: ['__name__'], regex: 'prompter_redis_up', separator: ';', replacement: '$1' }]);
    const out = familiesToSeries(parseExposition(page(1), 'text'), { ...TARGET, relabels }, 0);
    expect(out.series.map((s) => s.metric.name)).not.toContain('prompter_redis_up');
    expect(out.samplesScraped).toBe(7);
    expect(out.samplesKept).toBe(6);
  });
});
