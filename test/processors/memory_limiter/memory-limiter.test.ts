import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConsumerError } from '../../../src/consumer/errors.ts';
import { LOGS, METRICS, TRACES } from '../../../src/model/signal-batches.ts';
import type { MetricsBatch } from '../../../src/model/metrics.ts';
import { memoryLimiterConfigSchema, memoryLimits } from '../../../src/processors/memory_limiter/config.ts';
import { limitedStage } from '../../../src/processors/memory_limiter/factory.ts';
import { MemoryLimiter } from '../../../src/processors/memory_limiter/memory-limiter.ts';
import type { MemoryProbe } from '../../../src/processors/memory_limiter/process-memory.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';

const MIB = 1024 * 1024;

/** A process whose memory the test sets; `reads` counts measurements, `collections` forced GCs. */
interface FakeMemory extends MemoryProbe {
  usedMib: number;
  reads: number;
  collections: number;
}

function fakeMemory(usedMib: number, options: { gcFreesTo?: number } = {}): FakeMemory {
  const probe: FakeMemory = {
    usedMib,
    reads: 0,
    collections: 0,
    usedBytes: () => {
      probe.reads++;
      return probe.usedMib * MIB;
    },
    totalBytes: () => 1000 * MIB,
    collectGarbage: undefined,
  };
  const freesTo = options.gcFreesTo;
  if (freesTo !== undefined) {
    probe.collectGarbage = () => {
      probe.collections++;
      probe.usedMib = freesTo;
    };
  }
  return probe;
}

/** Settings whose log lines the test reads. */
function recordingSettings() {
  const settings = silentSettings('memory_limiter');
  const lines: { level: number; msg: string }[] = [];
  settings.logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { settings, lines, messages: () => lines.map((l) => l.msg) };
}

const config = (settings: Record<string, unknown>) => memoryLimiterConfigSchema.parse(settings);

function points(n: number): MetricsBatch {
  const pts = Array.from({ length: n }, (_, i) => ({ attributes: { i }, startTimeUnixNano: 0, timeUnixNano: 1, flags: 0, value: i }));
  return { resourceMetrics: [{ resource: { attributes: {} }, schemaUrl: '', scopeMetrics: [{ scope: { name: 's', version: '', attributes: {} }, schemaUrl: '', metrics: [{ type: 'gauge', name: 'g', description: '', unit: '', points: pts }] }] }] };
}

const started: MemoryLimiter[] = [];
afterEach(() => {
  for (const l of started.splice(0)) l.shutdown();
  vi.useRealTimers();
});

/** A started limiter (limit 100 MiB, soft limit 80 MiB) in front of a recording metrics consumer. */
function limitedMetrics(probe: MemoryProbe, settings = silentSettings('memory_limiter'), extra: Record<string, unknown> = {}) {
  const limiter = new MemoryLimiter(config({ limit_mib: 100, ...extra }), settings, probe);
  const passed: MetricsBatch[] = [];
  const stage = limitedStage(limiter, METRICS, async (b) => void passed.push(b));
  limiter.start();
  started.push(limiter);
  return { limiter, stage, passed, settings };
}

describe('memory_limiter processor', () => {
  describe('configuration', () => {
    it('accepts the Collector example: hard limit 512 MiB, soft limit 512 - 128 MiB, checked every second', () => {
      const c = config({ check_interval: '1s', limit_mib: 512, spike_limit_mib: 128 });
      expect(c.check_interval).toBe(1000);
      expect(memoryLimits(c, 0)).toEqual({ hardBytes: 512 * MIB, softBytes: 384 * MIB });
    });

    it('checks every second when check_interval is not set', () => {
      expect(config({ limit_mib: 512 }).check_interval).toBe(1000);
    });

    it('puts the spike limit at 20% of the limit when it is not set', () => {
      expect(memoryLimits(config({ limit_mib: 1000 }), 0).softBytes).toBe(800 * MIB);
      expect(memoryLimits(config({ limit_percentage: 50 }), 1000 * MIB).softBytes).toBe(400 * MIB);
    });

    it('takes percentages of the total it is given (the V8 heap limit), as in the Collector example', () => {
      expect(memoryLimits(config({ limit_percentage: 80, spike_limit_percentage: 15 }), 1000 * MIB)).toEqual({ hardBytes: 800 * MIB, softBytes: 650 * MIB });
    });

    it('lets limit_mib take precedence over limit_percentage', () => {
      expect(memoryLimits(config({ limit_mib: 300, limit_percentage: 80 }), 1000 * MIB).hardBytes).toBe(300 * MIB);
    });

    const rejected: [string, Record<string, unknown> | undefined, string, (string | number)[]][] = [
      ['neither limit_mib nor limit_percentage', { check_interval: '1s' }, 'set limit_mib (MiB) or limit_percentage (of the V8 heap limit) to a value above zero', []],
      ['an empty memory_limiter', undefined, 'set limit_mib (MiB) or limit_percentage (of the V8 heap limit) to a value above zero', []],
      ['a spike limit as large as the limit', { limit_mib: 512, spike_limit_mib: 512 }, 'spike_limit_mib must be smaller than limit_mib', ['spike_limit_mib']],
      ['a spike percentage as large as the percentage', { limit_percentage: 50, spike_limit_percentage: 60 }, 'spike_limit_percentage must be smaller than limit_percentage', ['spike_limit_percentage']],
      ['a percentage over 100', { limit_percentage: 120 }, 'limit_percentage must be at most 100', ['limit_percentage']],
      ['a zero check_interval', { check_interval: '0s', limit_mib: 512 }, 'check_interval must be greater than zero', ['check_interval']],
      ['a fractional limit_mib', { limit_mib: 1.5 }, 'limit_mib must be a whole number of MiB', ['limit_mib']],
      ['an unknown key', { limit_mib: 512, ballast_size_mib: 64 }, 'Unrecognized key(s) in object: \'ballast_size_mib\'', []],
    ];
    for (const [what, settings, message, path] of rejected) {
      it(`rejects ${what}, naming the key`, () => {
        const parsed = memoryLimiterConfigSchema.safeParse(settings);
        expect(parsed.success).toBe(false);
        expect(parsed.error!.issues).toContainEqual(expect.objectContaining({ message, path }));
      });
    }
  });

  describe('refusing data', () => {
    it('refuses every batch with a retryable error while memory is above the soft limit, and counts the refused points', async () => {
      const { stage, passed, settings } = limitedMetrics(fakeMemory(81));
      const refusal = await stage.consume(points(7)).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(ConsumerError);
      expect((refusal as ConsumerError).retryable).toBe(true);
      // No Retry-After of its own: the OTLP receiver answers 503 (unavailable), as the Collector's does.
      expect((refusal as ConsumerError).retryAfterMs).toBeUndefined();
      expect(passed).toEqual([]);
      const counted = await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_processor_refused_points_total');
      expect(counted).toContain('switchyard_processor_refused_points_total{component="memory_limiter",pipeline="",signal="metrics",reason="memory_limit"} 7');
    });

    it('passes data on untouched below the soft limit', async () => {
      const { stage, passed } = limitedMetrics(fakeMemory(79));
      const batch = points(3);
      await stage.consume(batch);
      expect(passed).toEqual([batch]);
    });

    it('accepts again once the next timed check finds memory below the soft limit, and measures only on its timer', async () => {
      vi.useFakeTimers();
      const memory = fakeMemory(90);
      const { stage, passed } = limitedMetrics(memory);
      await expect(stage.consume(points(1))).rejects.toThrow('data refused due to high memory usage');

      memory.usedMib = 50;
      for (let i = 0; i < 100; i++) await stage.consume(points(1)).catch(() => undefined);
      expect(passed).toEqual([]); // still refusing: nothing measured memory since
      expect(memory.reads).toBe(1);

      vi.advanceTimersByTime(1000);
      expect(memory.reads).toBe(2);
      await stage.consume(points(1));
      expect(passed).toHaveLength(1);
    });

    it('refuses spans and log records too, counting them by signal', async () => {
      const settings = silentSettings('memory_limiter');
      const limiter = new MemoryLimiter(config({ limit_mib: 100 }), settings, fakeMemory(95));
      limiter.start();
      started.push(limiter);
      const span = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: '', traceState: '', name: 's', kind: 1, startTimeUnixNano: 0, endTimeUnixNano: 1, attributes: {}, events: [], links: [], status: { code: 0, message: '' } };
      const record = { timeUnixNano: 0, observedTimeUnixNano: 0, severityNumber: 9, severityText: 'INFO', body: 'x', attributes: {}, traceId: '', spanId: '', flags: 0, eventName: '' };
      const scope = { name: 's', version: '', attributes: {} };
      const never = async () => expect.unreachable('a refused batch went on');
      await expect(limitedStage(limiter, TRACES, never).consume({ resourceSpans: [{ resource: { attributes: {} }, schemaUrl: '', scopeSpans: [{ scope, schemaUrl: '', spans: [span, span] }] }] })).rejects.toBeInstanceOf(ConsumerError);
      await expect(limitedStage(limiter, LOGS, never).consume({ resourceLogs: [{ resource: { attributes: {} }, schemaUrl: '', scopeLogs: [{ scope, schemaUrl: '', logRecords: [record, record, record] }] }] })).rejects.toBeInstanceOf(ConsumerError);
      const counted = await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_processor_refused_points_total');
      expect(counted).toContain('signal="traces",reason="memory_limit"} 2');
      expect(counted).toContain('signal="logs",reason="memory_limit"} 3');
    });
  });

  describe('what it tells the operator', () => {
    it('logs once when it starts refusing and once when it stops, with the refused count', async () => {
      const { settings, lines, messages } = recordingSettings();
      const memory = fakeMemory(85);
      const { limiter, stage } = limitedMetrics(memory, settings);
      limiter.check();
      await stage.consume(points(4)).catch(() => undefined);
      memory.usedMib = 10;
      limiter.check();
      limiter.check();
      expect(messages().filter((m) => m.includes('soft limit') || m.includes('within limits'))).toEqual(['Memory usage is above the soft limit. Refusing data.', 'Memory usage back within limits. Resuming normal operation.']);
      expect(lines.find((l) => l.msg.startsWith('Memory usage back'))).toMatchObject({ refused_items: 4, used_mib: 10, soft_limit_mib: 80 });
    });

    it('shows its state in the health details, and the refusal as its last error until it accepts again', () => {
      const memory = fakeMemory(85);
      const { limiter, settings } = limitedMetrics(memory);
      expect(settings.details).toEqual({ memory_used_mib: 85, memory_soft_limit_mib: 80, memory_hard_limit_mib: 100, refusing: true });
      expect(settings.errors).toEqual(['refusing data: memory in use 85 MiB is above the soft limit of 80 MiB']);
      memory.usedMib = 20;
      limiter.check();
      expect(settings.details).toMatchObject({ memory_used_mib: 20, refusing: false });
    });

    it('above the hard limit without --expose-gc, warns that it cannot force a garbage collection, once per crossing', () => {
      const { settings, lines } = recordingSettings();
      const memory = fakeMemory(120);
      const { limiter } = limitedMetrics(memory, settings);
      limiter.check();
      const warnings = lines.filter((l) => l.level === 40 && l.msg.includes('hard limit'));
      expect(warnings.map((l) => l.msg)).toEqual(['Memory usage is above the hard limit. Cannot force a garbage collection: node runs without --expose-gc.']);
    });

    it('above the hard limit with --expose-gc, forces a collection and accepts at once if it freed enough', async () => {
      const memory = fakeMemory(120, { gcFreesTo: 40 });
      const { stage, passed, limiter } = limitedMetrics(memory);
      expect(memory.collections).toBe(1);
      expect(limiter.refusing).toBe(false);
      await stage.consume(points(1));
      expect(passed).toHaveLength(1);
    });

    it('between the soft and hard limits, forces collections no more often than min_gc_interval_when_soft_limited', () => {
      let now = 0;
      const memory = fakeMemory(90, { gcFreesTo: 90 });
      const limiter = new MemoryLimiter(config({ limit_mib: 100, min_gc_interval_when_soft_limited: '10s' }), silentSettings('memory_limiter'), memory, () => now);
      limiter.check();
      expect(memory.collections).toBe(0); // the limiter starts as if a collection had just run, as the Collector's
      now = 10_000;
      limiter.check();
      now = 15_000;
      limiter.check();
      expect(memory.collections).toBe(1);
      expect(limiter.refusing).toBe(true);
    });
  });
});
