import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MetricsProcessor } from '../../../src/component/component.ts';
import { ConsumerError } from '../../../src/consumer/errors.ts';
import { currentOrigin, withOrigin } from '../../../src/consumer/origin.ts';
import type { LogsBatch } from '../../../src/model/logs.ts';
import { countDataPoints, type MetricsBatch } from '../../../src/model/metrics.ts';
import type { TracesBatch } from '../../../src/model/traces.ts';
import { batchConfigSchema } from '../../../src/processors/batch/config.ts';
import { batchProcessorFactory } from '../../../src/processors/batch/factory.ts';
import { deepFreeze } from '../../helpers/deep-freeze.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';

const scope = { name: 's', version: '', attributes: {} };

/** `n` gauge points of one service, valued `from`, `from + 1`, … so the test can follow each point. */
function points(service: string, n: number, from = 0): MetricsBatch {
  const pts = Array.from({ length: n }, (_, i) => ({ attributes: {}, startTimeUnixNano: 0, timeUnixNano: 1, flags: 0, value: from + i }));
  return deepFreeze({ resourceMetrics: [{ resource: { attributes: { 'service.name': service } }, schemaUrl: '', scopeMetrics: [{ scope, schemaUrl: '', metrics: [{ type: 'gauge', name: 'g', description: '', unit: '', points: pts }] }] }] });
}

/** service:value of every point of a batch, in order. */
const pointsOf = (b: MetricsBatch) => b.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.flatMap((m) => m.points.map((p) => `${String(rm.resource.attributes['service.name'])}:${(p as { value: number }).value}`))));

/** A promise the test settles by hand. */
function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Whether a promise has settled yet, after the microtasks queued so far. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
}

/** Fake setTimeout only: `settled` still needs the real setImmediate. */
const fakeTimeouts = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });

const processors: MetricsProcessor[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const p of processors.splice(0)) await p.shutdown();
});

/** A started batch processor for metrics whose next stage records each batch (and answers with `answer`). */
async function batchProcessor(settings: Record<string, unknown>, answer: (b: MetricsBatch) => Promise<void> = async () => undefined) {
  const sent: MetricsBatch[] = [];
  const p = batchProcessorFactory.createMetrics!(silentSettings('batch'), batchConfigSchema.parse(settings), {
    consumeMetrics: (b) => {
      sent.push(b);
      return answer(b);
    },
  });
  await p.start();
  processors.push(p);
  return { p, sent, sizes: () => sent.map(countDataPoints) };
}

describe('batch processor', () => {
  it('never mixes origins in one batch, and sends each under its origin, in order within it', async () => {
    const origins: (string | undefined)[] = [];
    const { p, sent } = await batchProcessor({ send_batch_size: 100, timeout: '20ms' }, async () => void origins.push(currentOrigin()));
    const done = [
      withOrigin('p0', () => p.consumeMetrics(points('a', 2, 0))),
      withOrigin('p1', () => p.consumeMetrics(points('b', 2, 0))),
      withOrigin('p0', () => p.consumeMetrics(points('a', 2, 2))),
    ];
    await Promise.all(done);
    expect(sent.map(pointsOf)).toEqual([['a:0', 'a:1', 'a:2', 'a:3'], ['b:0', 'b:1']]);
    expect(origins).toEqual(['p0', 'p1']);
  });

  it('sends on at once what it holds of a lost origin (before the stages after it forget), and holds the rest', async () => {
    const { p, sent } = await batchProcessor({ send_batch_size: 100, timeout: '10s' });
    const p0 = withOrigin('p0', () => p.consumeMetrics(points('a', 2, 0)));
    const p1 = withOrigin('p1', () => p.consumeMetrics(points('b', 2, 0)));
    p.forgetOrigins!(new Set(['p1']));
    await p1;
    expect(sent.map(pointsOf)).toEqual([['b:0', 'b:1']]);
    expect(await settled(p0)).toBe(false);
    await p.shutdown();
    await p0;
    expect(sent.map(pointsOf)).toEqual([['b:0', 'b:1'], ['a:0', 'a:1']]);
  });

  describe('configuration', () => {
    it('has the Collector defaults: 8192 items, 200ms, no maximum', () => {
      expect(batchConfigSchema.parse(undefined)).toEqual({ send_batch_size: 8192, timeout: 200, send_batch_max_size: 0 });
      expect(batchConfigSchema.parse({})).toEqual({ send_batch_size: 8192, timeout: 200, send_batch_max_size: 0 });
    });

    it('accepts the Collector example batch/2 and an empty metadata_keys', () => {
      expect(batchConfigSchema.parse({ send_batch_size: 10000, timeout: '10s' })).toMatchObject({ send_batch_size: 10000, timeout: 10_000 });
      expect(batchConfigSchema.parse({ send_batch_max_size: 10000, timeout: '0s', metadata_keys: [] })).toMatchObject({ send_batch_max_size: 10000, timeout: 0 });
    });

    it('rejects a send_batch_max_size below send_batch_size, naming it', () => {
      const parsed = batchConfigSchema.safeParse({ send_batch_size: 1000, send_batch_max_size: 500 });
      expect(parsed.error?.issues).toEqual([expect.objectContaining({ path: ['send_batch_max_size'], message: 'send_batch_max_size must be greater than or equal to send_batch_size' })]);
    });

    it('rejects metadata_keys, saying it is not supported', () => {
      const parsed = batchConfigSchema.safeParse({ metadata_keys: ['tenant_id'] });
      expect(parsed.error?.issues).toEqual([expect.objectContaining({ path: ['metadata_keys'], message: expect.stringContaining('metadata_keys is not supported') })]);
    });

    it('rejects a negative size and a timeout that is not a duration', () => {
      expect(batchConfigSchema.safeParse({ send_batch_size: -1 }).success).toBe(false);
      expect(batchConfigSchema.safeParse({ timeout: 200 }).success).toBe(false);
    });
  });

  describe('sending', () => {
    it('sends one merged batch as soon as send_batch_size items wait, every service kept apart', async () => {
      const { p, sent } = await batchProcessor({ send_batch_size: 10, timeout: '10s' });
      const first = p.consumeMetrics(points('a', 4));
      expect(await settled(first)).toBe(false);
      expect(sent).toEqual([]);
      const second = p.consumeMetrics(points('b', 6, 100));
      await Promise.all([first, second]);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.resourceMetrics.map((rm) => rm.resource.attributes['service.name'])).toEqual(['a', 'b']);
      expect(pointsOf(sent[0]!)).toEqual(['a:0', 'a:1', 'a:2', 'a:3', 'b:100', 'b:101', 'b:102', 'b:103', 'b:104', 'b:105']);
    });

    it('sends what waits once the first item has waited timeout', async () => {
      fakeTimeouts();
      const { p, sent } = await batchProcessor({ send_batch_size: 100, timeout: '200ms' });
      const waiting = p.consumeMetrics(points('a', 3));
      vi.advanceTimersByTime(150);
      const later = p.consumeMetrics(points('b', 2));
      vi.advanceTimersByTime(49);
      expect(sent).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(sent.map(pointsOf)).toEqual([['a:0', 'a:1', 'a:2', 'b:0', 'b:1']]);
      await Promise.all([waiting, later]);
    });

    it('arms no timer while it holds nothing', async () => {
      fakeTimeouts();
      const { p } = await batchProcessor({ send_batch_size: 5, timeout: '200ms' });
      expect(vi.getTimerCount()).toBe(0);
      await p.consumeMetrics(points('a', 5));
      expect(vi.getTimerCount()).toBe(0);
    });

    it('splits at send_batch_max_size: a 23-point batch goes out as 10 + 10 now, the last 3 on timeout', async () => {
      fakeTimeouts();
      const { p, sizes, sent } = await batchProcessor({ send_batch_size: 10, send_batch_max_size: 10, timeout: '1s' });
      const done = p.consumeMetrics(points('a', 23));
      expect(sizes()).toEqual([10, 10]);
      expect(await settled(done)).toBe(false); // its last 3 points are not sent yet
      vi.advanceTimersByTime(1000);
      await done;
      expect(sizes()).toEqual([10, 10, 3]);
      expect(sent.flatMap(pointsOf)).toEqual(pointsOf(points('a', 23)));
    });

    it('with timeout 0 sends every batch at once, only split', async () => {
      const { p, sizes } = await batchProcessor({ timeout: '0s', send_batch_size: 4, send_batch_max_size: 4 });
      await p.consumeMetrics(points('a', 9));
      expect(sizes()).toEqual([4, 4, 1]);
    });

    it('counts spans for traces and log records for logs', async () => {
      const config = batchConfigSchema.parse({ timeout: '0s', send_batch_size: 2, send_batch_max_size: 2 });
      const spans: number[] = [];
      const traces = batchProcessorFactory.createTraces!(silentSettings('batch'), config, { consumeTraces: async (b) => void spans.push(b.resourceSpans[0]!.scopeSpans[0]!.spans.length) });
      const span = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: '', traceState: '', name: 's', kind: 1, startTimeUnixNano: 0, endTimeUnixNano: 1, attributes: {}, events: [], links: [], status: { code: 0, message: '' } };
      const tb: TracesBatch = { resourceSpans: [{ resource: { attributes: {} }, schemaUrl: '', scopeSpans: [{ scope, schemaUrl: '', spans: [span, span, span, span, span] }] }] };
      await traces.consumeTraces(tb);
      expect(spans).toEqual([2, 2, 1]);

      const records: number[] = [];
      const logs = batchProcessorFactory.createLogs!(silentSettings('batch'), config, { consumeLogs: async (b) => void records.push(b.resourceLogs[0]!.scopeLogs[0]!.logRecords.length) });
      const record = { timeUnixNano: 0, observedTimeUnixNano: 0, severityNumber: 9, severityText: '', body: 'x', attributes: {}, traceId: '', spanId: '', flags: 0, eventName: '' };
      const lb: LogsBatch = { resourceLogs: [{ resource: { attributes: {} }, schemaUrl: '', scopeLogs: [{ scope, schemaUrl: '', logRecords: [record, record, record] }] }] };
      await logs.consumeLogs(lb);
      expect(records).toEqual([2, 1]);
    });

    it('passes an empty batch by: nothing is sent and the caller is answered at once', async () => {
      const { p, sent } = await batchProcessor({ send_batch_size: 10, timeout: '10s' });
      await p.consumeMetrics({ resourceMetrics: [] });
      expect(sent).toEqual([]);
    });
  });

  describe('answering the caller', () => {
    it('answers only once the next stage has accepted the send that carries its data', async () => {
      const accept = deferred();
      const { p, sent } = await batchProcessor({ send_batch_size: 2, timeout: '10s' }, () => accept.promise);
      const done = p.consumeMetrics(points('a', 2));
      expect(sent).toHaveLength(1);
      expect(await settled(done)).toBe(false);
      accept.resolve();
      await done;
    });

    it('passes a refusal downstream to every caller whose data the refused send carried', async () => {
      const full = ConsumerError.retryable('the sending queue is full', { retryAfterMs: 1000 });
      const { p } = await batchProcessor({ send_batch_size: 6, timeout: '10s' }, async () => {
        throw full;
      });
      const callers = [p.consumeMetrics(points('a', 2)), p.consumeMetrics(points('b', 2)), p.consumeMetrics(points('c', 2))];
      const answers = await Promise.allSettled(callers);
      expect(answers).toEqual([1, 2, 3].map(() => ({ status: 'rejected', reason: full })));
    });

    it('refuses a caller whose data was split when any one of its sends is refused', async () => {
      fakeTimeouts();
      let calls = 0;
      const { p } = await batchProcessor({ send_batch_size: 3, send_batch_max_size: 3, timeout: '1s' }, async () => {
        if (++calls === 2) throw ConsumerError.permanent('the backend rejected it');
      });
      const done = p.consumeMetrics(points('a', 7)).catch((e: unknown) => e);
      vi.advanceTimersByTime(1000);
      expect(calls).toBe(3);
      expect(await done).toMatchObject({ message: 'the backend rejected it', retryable: false });
    });

    it('leaves callers of other sends untouched by a refusal', async () => {
      let calls = 0;
      const { p } = await batchProcessor({ send_batch_size: 2, timeout: '10s' }, async () => {
        if (++calls === 1) throw ConsumerError.retryable('busy');
      });
      await expect(p.consumeMetrics(points('a', 2))).rejects.toThrow('busy');
      await expect(p.consumeMetrics(points('b', 2))).resolves.toBeUndefined();
    });
  });

  describe('shutdown', () => {
    it('sends what it holds and waits until the next stage has it', async () => {
      const accept = deferred();
      const { p, sent } = await batchProcessor({ send_batch_size: 100, timeout: '10s' }, () => accept.promise);
      const held = p.consumeMetrics(points('a', 3));
      const stopping = p.shutdown();
      expect(sent.map(pointsOf)).toEqual([['a:0', 'a:1', 'a:2']]);
      expect(await settled(stopping)).toBe(false);
      accept.resolve();
      await Promise.all([stopping, held]);
    });

    it('holds nothing after shutdown: a late batch goes straight on', async () => {
      const { p, sent } = await batchProcessor({ send_batch_size: 100, timeout: '10s' });
      await p.shutdown();
      await p.consumeMetrics(points('late', 1));
      expect(sent.map(pointsOf)).toEqual([['late:0']]);
    });
  });
});
