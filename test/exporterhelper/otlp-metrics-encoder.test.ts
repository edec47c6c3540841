import { describe, expect, it } from 'vitest';
import { decodeMetricsProto } from '../../src/otlp/decode/index.ts';
import { encodeMetricsRequest } from '../../src/exporterhelper/otlp-metrics-encoder.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';

const T0 = 1_700_000_000_000_000_000;
const T1 = T0 + 10_000_000_000;

const batch: MetricsBatch = {
  resourceMetrics: [
    {
      resource: { attributes: { 'service.name': 'api', 'host.cpus': 4, ratio: 0.5, on: true, off: false, tags: ['a', 'b'], nested: { k: 'v' }, raw: new Uint8Array([1, 2, 3]) } },
      schemaUrl: 'https://opentelemetry.io/schemas/1.24.0',
      scopeMetrics: [
        {
          scope: { name: 'meter', version: '1.0', attributes: {} },
          schemaUrl: '',
          metrics: [
            { type: 'gauge', name: 'g', description: 'a gauge', unit: '1', points: [{ attributes: { k: 'x' }, startTimeUnixNano: 0, timeUnixNano: T1, flags: 0, value: -2.5 }] },
            { type: 'sum', name: 's', description: '', unit: 's', temporality: 'cumulative', monotonic: true, points: [{ attributes: {}, startTimeUnixNano: T0, timeUnixNano: T1, flags: 0, value: 42 }] },
            { type: 'sum', name: 'd', description: '', unit: '', temporality: 'delta', monotonic: false, points: [{ attributes: { n: 7 }, startTimeUnixNano: T0, timeUnixNano: T1, flags: 1, value: 0 }] },
            { type: 'histogram', name: 'h', description: '', unit: 'ms', temporality: 'delta', points: [{ attributes: {}, startTimeUnixNano: T0, timeUnixNano: T1, flags: 0, count: 6, sum: 12.5, min: 0.5, max: 9, bucketCounts: [1, 2, 3], explicitBounds: [1, 5] }] },
            {
              type: 'exponential_histogram', name: 'e', description: '', unit: '', temporality: 'cumulative',
              points: [{ attributes: {}, startTimeUnixNano: T0, timeUnixNano: T1, flags: 0, count: 5, sum: 3, scale: -1, zeroCount: 1, zeroThreshold: 0, positive: { offset: -2, bucketCounts: [1, 2] }, negative: { offset: 0, bucketCounts: [1] } }],
            },
            { type: 'summary', name: 'q', description: '', unit: '', points: [{ attributes: {}, startTimeUnixNano: T0, timeUnixNano: T1, flags: 0, count: 3, sum: 6, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 1, value: 3 }] }] },
          ],
        },
      ],
    },
  ],
};

describe('OTLP metrics encoder', () => {
  it('writes a request that the otlp receiver decodes back into the same batch, for every metric type', () => {
    const decoded = decodeMetricsProto(encodeMetricsRequest(batch));
    expect(decoded.rejected).toBe(0);
    expect(decoded.batch).toEqual(batch);
  });

  it('writes an empty request for an empty batch', () => {
    expect(encodeMetricsRequest({ resourceMetrics: [] }).length).toBe(0);
  });
});
