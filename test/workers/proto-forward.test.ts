import { describe, expect, it } from 'vitest';
import { ConsumerError } from '../../src/consumer/errors.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import type { RequestLimits } from '../../src/otlp/admission.ts';
import { decodeMetricsProto, OtlpDecodeError } from '../../src/otlp/decode/index.ts';
import { scanResources } from '../../src/otlp/resource-scan.ts';
import { ProtoExports } from '../../src/workers/proto-export.ts';
import { ProtoForwarder, type AskWorker } from '../../src/workers/proto-forward.ts';
import { cutByWorker, workerOf } from '../../src/workers/split.ts';
import { toWire } from '../../src/workers/wire-error.ts';
import { double, fixed64, len, str, stringAttr, uint, type Bytes } from '../otlp/decode/proto-writer.ts';

const LIMITS: RequestLimits = { max_points_per_request: 1000, max_attributes_per_point: 128, max_attribute_value_length: 8192 };
const SERVICES = ['prompter-api', 'billing-api', 'celery-worker', 'search-api', 'a', 'b', 'c', 'd'];
const ON_0 = SERVICES.filter((s) => workerOf({ 'service.name': s }, 2) === 0);
const ON_1 = SERVICES.filter((s) => workerOf({ 'service.name': s }, 2) === 1);

const point = (value: number): Bytes => [...fixed64(3, 1e18), ...double(4, value)];
const gauge = (name: string, ...points: Bytes[]): Bytes => [...str(1, name), ...len(5, points.flatMap((p) => len(1, p)))];
/** A ResourceMetrics of `service` with one scope holding `metrics`. */
const resourceMetrics = (service: string, ...metrics: Bytes[]): Bytes => len(1, [...len(1, stringAttr(1, 'service.name', service)), ...len(2, metrics.flatMap((m) => len(2, m)))]);
const request = (...entries: Bytes[]): Uint8Array => Uint8Array.from(entries.flat());
const serviceOf = (b: MetricsBatch, i = 0) => b.resourceMetrics[i]!.resource.attributes['service.name'];

/** Two in-process workers behind the forwarder; messages are cloned as postMessage would. */
function twoWorkers(refuse?: (worker: number) => ConsumerError | undefined) {
  const consumed: { worker: number; batch: MetricsBatch }[] = [];
  const workers = [0, 1].map(
    (worker) =>
      new ProtoExports(async (_receiver, _signal, batch) => {
        const refusal = refuse?.(worker);
        if (refusal) throw refusal;
        consumed.push({ worker, batch: batch as MetricsBatch });
      }, toWire),
  );
  const ask: AskWorker = async (index, message) => {
    const m = structuredClone({ ...message, id: 0 });
    if (m.type === 'export') return workers[index]!.export(m);
    if (m.type === 'commit') return workers[index]!.commit(m.hold);
    return workers[index]!.abort(m.hold);
  };
  return { consumed, forwarder: new ProtoForwarder(2, ask) };
}

describe('undecoded OTLP requests with --workers 2', () => {
  it('has services on both workers (the precondition of what follows)', () => {
    expect(ON_0.length).toBeGreaterThan(0);
    expect(ON_1.length).toBeGreaterThan(0);
  });

  it('finds each resource entry and its resource as the decoder does, and cuts the body into valid requests per worker', () => {
    const body = request(resourceMetrics(ON_0[0]!, gauge('g', point(1))), resourceMetrics(ON_1[0]!, gauge('h', point(2), point(3))), resourceMetrics(ON_0[1] ?? ON_0[0]!, gauge('i', point(4))));
    const entries = scanResources('metrics', body);
    expect(entries.map((e) => e.resource)).toEqual(decodeMetricsProto(body).batch.resourceMetrics.map((rm) => rm.resource));
    const [zero, one] = cutByWorker(body, entries, 2, { maxAttributes: 128, maxValueLength: 8192 });
    expect(decodeMetricsProto(zero!).batch.resourceMetrics.map((rm) => rm.scopeMetrics[0]!.metrics[0]!.name)).toEqual(['g', 'i']);
    expect(decodeMetricsProto(one!).batch.resourceMetrics.map((rm) => rm.scopeMetrics[0]!.metrics[0]!.name)).toEqual(['h']);
    // All on one worker: the body itself, uncopied.
    const single = request(resourceMetrics(ON_1[0]!, gauge('g', point(1))));
    expect(cutByWorker(single, scanResources('metrics', single), 2, { maxAttributes: 128, maxValueLength: 8192 })[1]).toBe(single);
  });

  it('refuses a truncated body in the main thread, as the decoder would', () => {
    const body = request(resourceMetrics(ON_0[0]!, gauge('g', point(1))));
    expect(() => scanResources('metrics', body.subarray(0, body.length - 3))).toThrow(OtlpDecodeError);
  });

  it('routes by service.name as cut by max_attribute_value_length, as it would be routed after decoding', () => {
    const long = `${ON_1[0]!}-and-more`;
    const body = request(resourceMetrics(long, gauge('g', point(1))));
    const cut = cutByWorker(body, scanResources('metrics', body), 2, { maxAttributes: 128, maxValueLength: ON_1[0]!.length });
    expect(cut[1]).toBe(body);
  });

  it('hands a request split over both workers to each, and answers once for the whole', async () => {
    const { consumed, forwarder } = twoWorkers();
    const body = request(resourceMetrics(ON_0[0]!, gauge('g', point(1))), resourceMetrics(ON_1[0]!, gauge('h', point(2), point(3))));
    expect(await forwarder.exportProto('otlp', 'metrics', body, LIMITS)).toEqual({ kind: 'done', items: 3, rejected: 0, droppedAttributes: 0, truncatedValues: 0 });
    expect(consumed.map((c) => [c.worker, serviceOf(c.batch)])).toEqual([
      [0, ON_0[0]],
      [1, ON_1[0]],
    ]);
  });

  it('consumes nothing of a split request when one part is malformed', async () => {
    const { consumed, forwarder } = twoWorkers();
    const badMetric: Bytes = [...uint(1, 5), ...len(5, len(1, point(1)))]; // the name as a varint
    const body = request(resourceMetrics(ON_0[0]!, gauge('g', point(1))), resourceMetrics(ON_1[0]!, badMetric));
    const report = await forwarder.exportProto('otlp', 'metrics', body, LIMITS);
    expect(report).toMatchObject({ kind: 'malformed', message: expect.stringContaining('field 1 of Metric has wire type 0') });
    expect(consumed).toEqual([]);
  });

  it('refuses a split request over max_points_per_request in total though each part is under it', async () => {
    const { consumed, forwarder } = twoWorkers();
    const body = request(resourceMetrics(ON_0[0]!, gauge('g', point(1), point(2))), resourceMetrics(ON_1[0]!, gauge('h', point(3), point(4))));
    expect(await forwarder.exportProto('otlp', 'metrics', body, { ...LIMITS, max_points_per_request: 3 })).toEqual({ kind: 'too_many', items: 4 });
    expect(consumed).toEqual([]);
  });

  it('adds up the unusable points of every part for partial_success, with the first reason', async () => {
    const { forwarder } = twoWorkers();
    const noValue: Bytes = fixed64(3, 1e18);
    const body = request(resourceMetrics(ON_0[0]!, gauge('g', point(1), noValue)), resourceMetrics(ON_1[0]!, gauge('h', noValue, noValue, point(2))));
    expect(await forwarder.exportProto('otlp', 'metrics', body, LIMITS)).toEqual({
      kind: 'done',
      items: 2,
      rejected: 3,
      rejectedReason: 'a data point of "g" has no value',
      droppedAttributes: 0,
      truncatedValues: 0,
    });
  });

  it('passes a worker’s retryable refusal back, for the client to retry', async () => {
    const { forwarder } = twoWorkers((worker) => (worker === 1 ? ConsumerError.retryable('queue full', { retryAfterMs: 2000 }) : undefined));
    const split = request(resourceMetrics(ON_0[0]!, gauge('g', point(1))), resourceMetrics(ON_1[0]!, gauge('h', point(2))));
    const single = request(resourceMetrics(ON_1[0]!, gauge('h', point(2))));
    for (const body of [split, single]) {
      const report = await forwarder.exportProto('otlp', 'metrics', body, LIMITS);
      expect(report.kind === 'done' && report.refusal).toMatchObject({ retryable: true, retryAfterMs: 2000, message: 'queue full' });
    }
  });
});
