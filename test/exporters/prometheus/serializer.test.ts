import { describe, expect, it } from 'vitest';
import { serialize } from '../../../exporters/prometheus/serializer.ts';
import type { MetricsBatch } from '../../../src/model/metrics.ts';
import { CumulativeState } from '../../../src/translate/cumulative-state.ts';
import { forEachSample } from '../../../src/translate/prometheus-samples.ts';

const T = 1_700_000_000e9;

/** What the exposition was before the serializer cached label text: every sample of `forEachSample`, one line each. */
function reference(state: CumulativeState, om: boolean, withTimestamps: boolean): string {
  let out = '';
  for (const f of [...state.families.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const familyName = om && f.type === 'counter' ? f.name.replace(/_total$/, '') : f.name;
    out += `# HELP ${familyName} ${f.help}\n# TYPE ${familyName} ${f.type}\n`;
    for (const s of f.series.values()) {
      const ts = withTimestamps ? ` ${om ? String(s.timeUnixNano / 1e9) : Math.round(s.timeUnixNano / 1e6)}` : '';
      forEachSample(f, s, (name, labels, value) => {
        const text = labels.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`).join(',');
        out += `${om && f.type === 'counter' ? `${familyName}_total` : name}${text ? `{${text}}` : ''} ${value === Infinity ? '+Inf' : String(value)}${ts}\n`;
      });
    }
  }
  return om ? `${out}# EOF\n` : out;
}

const batch: MetricsBatch = {
  resourceMetrics: [
    {
      resource: { attributes: { 'service.name': 'api' } },
      schemaUrl: '',
      scopeMetrics: [
        {
          scope: { name: 's', version: '', attributes: {} },
          schemaUrl: '',
          metrics: [
            { name: 'requests', description: 'Requests.', unit: '', type: 'sum', temporality: 'cumulative', monotonic: true, points: [{ attributes: { route: '/a "quoted"\\\n' }, startTimeUnixNano: T, timeUnixNano: T + 1.5e9, flags: 0, value: 3 }, { attributes: {}, startTimeUnixNano: T, timeUnixNano: T + 1e9, flags: 0, value: 1 }] },
            { name: 'temp', description: 'Temp.', unit: '', type: 'gauge', points: [{ attributes: { le: 'kept on a gauge' }, startTimeUnixNano: 0, timeUnixNano: T, flags: 0, value: -0.5 }] },
            { name: 'latency', description: 'Latency.', unit: 's', type: 'histogram', temporality: 'cumulative', points: [{ attributes: { le: 'dropped', route: '/b' }, startTimeUnixNano: T, timeUnixNano: T + 2e9, flags: 0, count: 4, sum: 1.25, bucketCounts: [1, 2, 1], explicitBounds: [1e-7, 0.5] }] },
            { name: 'pause', description: 'Pause.', unit: 's', type: 'summary', points: [{ attributes: { quantile: 'dropped' }, startTimeUnixNano: T, timeUnixNano: T + 3e9, flags: 0, count: 3, sum: 0.3, quantileValues: [{ quantile: 0.5, value: 0.1 }, { quantile: 0.99, value: 0.15 }] }] },
          ],
        },
      ],
    },
  ],
};

describe('prometheus exposition serializer', () => {
  it('writes every sample forEachSample gives, in both formats, with and without timestamps, scrape after scrape', () => {
    const state = new CumulativeState({ addMetricSuffixes: true, resourceToTelemetry: false, constLabels: { region: 'eu' }, scopeLabels: true });
    state.apply(batch, 0);
    for (const om of [false, true]) {
      for (const ts of [false, true]) {
        const expected = reference(state, om, ts);
        expect(serialize(state.families.values(), om ? 'openmetrics' : 'text', ts)).toBe(expected);
        expect(serialize(state.families.values(), om ? 'openmetrics' : 'text', ts)).toBe(expected); // from the cached label text
      }
    }
    expect(serialize(state.families.values(), 'text')).toContain('latency_seconds_bucket{job="api",otel_scope_name="s",region="eu",route="/b",le="0.0000001"} 1\n');
  });
});
