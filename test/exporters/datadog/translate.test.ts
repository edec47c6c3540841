import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_COMPRESSED, MAX_UNCOMPRESSED, seriesBodies } from '../../../exporters/datadog/payload.ts';
import { ddMetricName, ddTag } from '../../../exporters/datadog/tags.ts';
import { DatadogTranslator, type DdItem, type DdPoint } from '../../../exporters/datadog/translate.ts';
import type { Metric, MetricsBatch } from '../../../src/model/metrics.ts';
import { schemaErrors } from '../../helpers/datadog-intake.ts';
import { tagErrors } from '../../helpers/datadog-sketch-intake.ts';

const NOW_MS = Date.now();
const NS = (msAgo: number) => (NOW_MS - msAgo) * 1e6;
const STARTED = NS(60_000);

function batch(m: Metric, host = 'web-1'): MetricsBatch {
  return { resourceMetrics: [{ resource: { attributes: { 'service.name': 'Prompter API', 'deployment.environment.name': 'prod', 'host.name': host } }, schemaUrl: '', scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics: [m] }] }] };
}

const counter = (value: number, start: number, t: number, temporality: 'cumulative' | 'delta' = 'cumulative'): Metric => ({
  name: 'prompter.probe.attempts',
  description: '',
  unit: '',
  type: 'sum',
  temporality,
  monotonic: true,
  points: [{ attributes: { provider: 'OpenAI' }, startTimeUnixNano: start, timeUnixNano: t, flags: 0, value }],
});

const translator = () => new DatadogTranslator({ histogramMode: 'nobuckets', resourceAttributesAsTags: false, startedAtNs: STARTED, deltaTtlMs: 3_600_000 });
const values = (ps: DdItem[]) => ps.map((p) => (p.type === 'sketch' ? NaN : p.value));

describe('datadog translation', () => {
  it('turns a cumulative counter into counts of the increase, with service, env and host', () => {
    const t = translator();
    const first = t.translate(batch(counter(10, NS(120_000), NS(30_000))), NOW_MS).items;
    expect(first).toEqual([]); // started before the gateway: a baseline only
    const next = t.translate(batch(counter(15, NS(120_000), NS(20_000))), NOW_MS).items;
    expect(next).toEqual([{ metric: 'prompter.probe.attempts', type: 'count', timestamp: Math.round(NS(20_000) / 1e9), value: 5, tags: ['service:prompter_api', 'env:prod', 'provider:openai'], host: 'web-1', interval: 10 }]);
  });

  it('sends a tag once when a point label repeats a resource tag (the pipelines copy service and env to labels)', () => {
    const m = counter(4, NS(10_000), NS(5_000));
    (m.points[0]!.attributes as Record<string, string>).service = 'Prompter API';
    (m.points[0]!.attributes as Record<string, string>).env = 'staging';
    // `env` is one a series, as `service`: the resource's wins over a point's other label.
    expect(translator().translate(batch(m), NOW_MS).items[0]!.tags).toEqual(['service:prompter_api', 'env:prod', 'provider:openai']);
  });

  it('sends one service tag: a point’s own service label (a scraped app’s, its resource naming the scrape job) replaces the resource’s', () => {
    const m = counter(4, NS(10_000), NS(5_000));
    (m.points[0]!.attributes as Record<string, string>).service = 'prompter-worker';
    expect(translator().translate(batch(m), NOW_MS).items[0]!.tags).toEqual(['env:prod', 'provider:openai', 'service:prompter-worker']);
  });

  it('keeps apart the series of two processes of one service on one host (prefork workers): each counts its own increases', () => {
    const t = translator();
    const worker = (instance: string, value: number, msAgo: number, temporality: 'cumulative' | 'delta' = 'cumulative'): MetricsBatch => {
      const b = batch(counter(value, NS(40_000), NS(msAgo), temporality));
      Object.assign(b.resourceMetrics[0]!.resource.attributes, { 'service.instance.id': instance });
      return b;
    };
    const sent = (b: MetricsBatch) => values(t.translate(b, NOW_MS).items);
    expect([sent(worker('a', 5, 30_000)), sent(worker('b', 2, 29_000)), sent(worker('a', 7, 20_000)), sent(worker('b', 3, 19_000))]).toEqual([[5], [2], [2], [1]]);
    // Delta points of two processes are not each other's repeats, whatever their times.
    expect([sent(worker('a', 4, 10_000, 'delta')), sent(worker('b', 6, 10_200, 'delta'))]).toEqual([[4], [6]]);
  });

  it('sends the first point in full for a series that started after the gateway', () => {
    expect(values(translator().translate(batch(counter(4, NS(10_000), NS(5_000))), NOW_MS).items)).toEqual([4]);
  });

  it('counts a reset in full', () => {
    const t = translator();
    t.translate(batch(counter(4, NS(10_000), NS(9_000))), NOW_MS);
    t.translate(batch(counter(9, NS(10_000), NS(8_000))), NOW_MS);
    expect(values(t.translate(batch(counter(2, NS(5_000), NS(4_000))), NOW_MS).items)).toEqual([2]);
  });

  it('sends a delta point once: the same point again (a client retrying after a refusal elsewhere) is not counted twice', () => {
    const t = translator();
    expect(values(t.translate(batch(counter(3, NS(20_000), NS(10_000), 'delta')), NOW_MS).items)).toEqual([3]);
    expect(values(t.translate(batch(counter(3, NS(20_000), NS(10_000), 'delta')), NOW_MS).items)).toEqual([]);
    expect(values(t.translate(batch(counter(2, NS(10_000), NS(5_000), 'delta')), NOW_MS).items)).toEqual([2]);
  });

  it('sends delta counters as counts and non-monotonic sums as gauges', () => {
    const t = translator();
    expect(t.translate(batch(counter(3, NS(20_000), NS(10_000), 'delta')), NOW_MS).items[0]).toMatchObject({ type: 'count', value: 3, interval: 10 });
    const updown: Metric = { ...counter(-2, NS(20_000), NS(10_000)), monotonic: false } as Metric;
    expect(t.translate(batch(updown), NOW_MS).items[0]).toMatchObject({ type: 'gauge', value: -2 });
  });

  it('sends histograms as .count and .sum counts (nobuckets) or per-bucket counts (counters)', () => {
    const h: Metric = { name: 'prompter.http.latency', description: '', unit: 'ms', type: 'histogram', temporality: 'delta', points: [{ attributes: {}, startTimeUnixNano: NS(20_000), timeUnixNano: NS(10_000), flags: 0, count: 4, sum: 900, min: 50, max: 400, bucketCounts: [1, 2, 1], explicitBounds: [100, 250] }] };
    const plain = translator().translate(batch(h), NOW_MS).items.map((p) => `${p.metric}:${p.type}:${values([p])[0]}`);
    expect(plain).toEqual(['prompter.http.latency.count:count:4', 'prompter.http.latency.sum:count:900', 'prompter.http.latency.min:gauge:50', 'prompter.http.latency.max:gauge:400']);
    const buckets = new DatadogTranslator({ histogramMode: 'counters', resourceAttributesAsTags: false, startedAtNs: STARTED, deltaTtlMs: 1 }).translate(batch(h), NOW_MS).items;
    expect(buckets.map((p) => [values([p])[0], p.tags.filter((x) => x.includes('bound'))])).toEqual([
      [1, ['lower_bound:-inf', 'upper_bound:100']],
      [2, ['lower_bound:100', 'upper_bound:250']],
      [1, ['lower_bound:250', 'upper_bound:inf']],
    ]);
  });

  it('leaves out points the intake would refuse: over 1 h old or over 10 min ahead', () => {
    const t = translator();
    const old = t.translate(batch(counter(1, NS(7_300_000), NS(7_200_000), 'delta')), NOW_MS);
    const ahead = t.translate(batch(counter(1, NS(0), NS(-900_000), 'delta')), NOW_MS);
    expect([old.items.length, old.outOfWindow, ahead.items.length, ahead.outOfWindow]).toEqual([0, 1, 0, 1]);
  });

  it('sanitizes metric names by DataDog’s rules instead of refusing them', () => {
    expect(ddMetricName('http.server.request-duration')).toBe('http.server.request_duration');
  });
});

describe('datadog tags, by the rules of DataDog’s “Getting Started with Tags” and naming guide', () => {
  it('lower-cases: tags are converted to lowercase', () => {
    expect(ddTag('Env', 'Prod')).toBe('env:prod');
  });

  it('keeps alphanumerics, underscores, minuses, colons, periods and slashes; other characters become one underscore', () => {
    expect(ddTag('role', 'database:mysql')).toBe('role:database:mysql');
    expect(ddTag('path', 'a-b_c.d/e')).toBe('path:a-b_c.d/e');
    expect(ddTag('Route', '/v1/Prompts/{id}/run')).toBe('route:/v1/prompts/_id_/run');
    expect(ddTag('k', 'a  &&  b')).toBe('k:a_b');
  });

  it('removes a trailing underscore, from a converted character or the original value', () => {
    expect(ddTag('Route', '/v1/Prompts/{id}')).toBe('route:/v1/prompts/_id');
    expect(ddTag('k', 'v_')).toBe('k:v');
  });

  it('starts with a letter: leading characters before the first letter are stripped, not prefixed', () => {
    expect(ddTag('1st', 'x')).toBe('st:x');
    expect(ddTag('_k', 'v')).toBe('k:v');
    expect(ddTag('123', '456')).toBe('');
  });

  it('supports Unicode letters', () => {
    expect(ddTag('region', '東京')).toBe('region:東京');
    expect(ddTag('Straße', 'Ärger')).toBe('straße:ärger');
  });

  it('is at most 200 characters, and never ends with a colon (an empty value is n/a)', () => {
    expect(ddTag('k', 'v'.repeat(300))).toBe(`k:${'v'.repeat(198)}`);
    expect(ddTag('k', `${'v'.repeat(197)}_x`)).toBe(`k:${'v'.repeat(197)}`);
    expect(ddTag('k', '')).toBe('k:n/a');
    expect(ddTag('k', '!!!')).toBe('k');
  });

  it('yields only tags the intake stand-in’s independent rule accepts', () => {
    const odd = ['', ' ', '__', '::', '1', 'É', 'a'.repeat(250), 'x\u0000y', '😀', '-a-', 'A_', ':b'];
    for (const k of odd) for (const v of odd) {
      const tag = ddTag(k || 'k', v);
      if (tag !== '') expect([tag, tagErrors(tag)]).toEqual([tag, []]);
    }
  });
});

describe('datadog payloads', () => {
  it('split under 512,000 bytes compressed and 5,242,880 decompressed, each valid by DataDog’s schema', () => {
    const points: DdPoint[] = Array.from({ length: 60_000 }, (_, i) => ({ metric: 'm.x', type: 'gauge', timestamp: 1_700_000_000 + i, value: Math.random(), tags: [`id:${i.toString(36)}${Math.random().toString(36)}`], host: `h${i % 7}` }));
    const { bodies, tooLarge } = seriesBodies(points, 'gzip');
    expect(tooLarge).toBe(0);
    expect(bodies.length).toBeGreaterThan(1);
    let total = 0;
    for (const b of bodies) {
      expect(b.payload.length).toBeLessThanOrEqual(MAX_COMPRESSED);
      const json = gunzipSync(b.payload);
      expect(json.length).toBeLessThanOrEqual(MAX_UNCOMPRESSED);
      const payload = JSON.parse(json.toString()) as { series: unknown[] };
      expect(schemaErrors(payload, 'MetricPayload')).toEqual([]);
      total += payload.series.length;
    }
    expect(total).toBe(points.length);
  });
});

describe('datadog intake stand-in', () => {
  it('refuses what DataDog’s schema refuses', () => {
    expect(schemaErrors({ series: [{ metric: 'a', points: [{ timestamp: 1.5, value: 'x' }], type: 7, extra: 1 }] }, 'MetricPayload')).toEqual([
      '$.series[0].points[0].timestamp: expected an integer',
      '$.series[0].points[0].value: expected a finite number',
      '$.series[0].type: 7 is not a MetricIntakeType',
      '$.series[0].extra: not a field of MetricSeries',
    ]);
    expect(schemaErrors({}, 'MetricPayload')).toEqual(['$.series: required by MetricPayload']);
  });
});
