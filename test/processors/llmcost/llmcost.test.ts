import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { llmcostConfigSchema } from '../../../src/processors/llmcost/config.ts';
import { LlmcostTransform } from '../../../src/processors/llmcost/llmcost.ts';
import type { Attributes } from '../../../src/model/common.ts';
import type { HistogramMetric, MetricsBatch, NumberDataPoint } from '../../../src/model/metrics.ts';
import { withOrigin } from '../../../src/consumer/origin.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2025, 0, 10); // the processor's start
const PRICES = `providers:
  openai:
    - { model: gpt-4o, input: 5.00, output: 15.00, since: "2024-05-13" }
    - { model: gpt-4o, input: 2.50, output: 10.00, since: "2025-01-11" }
    - { pattern: "^gpt-4o", input: 1.00, output: 1.00, since: "2024-01-01" }
`;

function transform(settings: Record<string, unknown> = {}, log: string[] = []) {
  const files = tempFiles({ 'llm.yaml': PRICES });
  const config = llmcostConfigSchema.parse({ pricing_file: files.path('llm.yaml'), ...settings });
  files.cleanup();
  const s = silentSettings('llmcost');
  const logger = pino({ level: 'warn' }, { write: (line: string) => void log.push(line) });
  let now = T0;
  const t = new LlmcostTransform(config, { ...s, logger }, () => now);
  return { t, setNow: (ms: number) => (now = ms) };
}

/** One token usage histogram point: `sum` tokens, at `atMs`, started at `startMs`. */
function usage(points: { a: Attributes; sum: number; atMs: number; startMs: number }[], temporality: 'cumulative' | 'delta' = 'cumulative', resource: Attributes = { 'service.name': 'api', 'service.instance.id': 'i-1' }): MetricsBatch {
  const metric: HistogramMetric = {
    name: 'gen_ai.client.token.usage',
    description: '',
    unit: '{token}',
    type: 'histogram',
    temporality,
    points: points.map((p) => ({ attributes: p.a, startTimeUnixNano: p.startMs * 1e6, timeUnixNano: p.atMs * 1e6, flags: 0, count: 1, sum: p.sum, bucketCounts: [1], explicitBounds: [] })),
  };
  return { resourceMetrics: [{ resource: { attributes: resource }, schemaUrl: '', scopeMetrics: [{ scope: { name: 'genai', version: '', attributes: {} }, schemaUrl: '', metrics: [metric] }] }] };
}

const GPT4O_IN: Attributes = { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.token.type': 'input' };

function series(batch: MetricsBatch, name: string): { resource: Attributes; point: NumberDataPoint }[] {
  return batch.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.filter((m) => m.name === name).flatMap((m) => (m.points as NumberDataPoint[]).map((point) => ({ resource: rm.resource.attributes, point })))));
}

describe('llmcost processor', () => {
  it('forgets the cost series of a lost origin with their inputs; a service of another origin keeps its total', () => {
    const { t } = transform();
    const api = { 'service.name': 'api' };
    const web = { 'service.name': 'web' };
    withOrigin('p0', () => t.processMetrics(usage([{ a: GPT4O_IN, sum: 1000, atMs: T0 + 1000, startMs: T0 }], 'cumulative', api)));
    withOrigin('p1', () => t.processMetrics(usage([{ a: GPT4O_IN, sum: 1000, atMs: T0 + 1000, startMs: T0 }], 'cumulative', web)));
    expect(t.trackedSeries).toBe(2);
    t.forgetOrigins(new Set(['p1']));
    expect(t.trackedSeries).toBe(1);
    // p0's service goes on from its total; p1's, back here, would start over from its next point.
    const out = withOrigin('p0', () => t.processMetrics(usage([{ a: GPT4O_IN, sum: 2000, atMs: T0 + 2000, startMs: T0 }], 'cumulative', api)));
    expect(series(out, 'llm.cost')[0]!.point.value).toBe((2000 * 5) / 1e6);
  });

  it('prices tokens at the price in effect at their time, each price once: tokens × price', () => {
    const { t } = transform();
    t.processMetrics(usage([{ a: GPT4O_IN, sum: 1000, atMs: T0 + 1000, startMs: T0 }]));
    const out = t.processMetrics(usage([{ a: GPT4O_IN, sum: 3000, atMs: T0 + DAY_MS + 1000, startMs: T0 }]));
    const [cost] = series(out, 'llm.cost');
    expect(cost!.point.value).toBe((1000 * 5) / 1e6 + (2000 * 2.5) / 1e6);
    expect(cost!.point.attributes).toEqual(GPT4O_IN);
  });

  it('keeps only the service’s identity on the cost series, so instances add up into one series', () => {
    const { t } = transform();
    t.processMetrics(usage([{ a: GPT4O_IN, sum: 100, atMs: T0 + 1000, startMs: T0 }], 'cumulative', { 'service.name': 'api', 'service.instance.id': 'a', 'deployment.environment.name': 'prod', 'host.name': 'x' }));
    const out = t.processMetrics(usage([{ a: GPT4O_IN, sum: 300, atMs: T0 + 2000, startMs: T0 }], 'cumulative', { 'service.name': 'api', 'service.instance.id': 'b', 'deployment.environment.name': 'prod' }));
    const [cost] = series(out, 'llm.cost');
    expect(cost!.resource).toEqual({ 'service.name': 'api', 'deployment.environment.name': 'prod' });
    expect(cost!.point.value).toBe((400 * 5) / 1e6);
  });

  it('matches an exact model name before a pattern, and prices the response’s model before the requested one', () => {
    const { t } = transform();
    const out = t.processMetrics(
      usage([
        { a: { ...GPT4O_IN, 'gen_ai.request.model': 'gpt-4o-mini' }, sum: 1e6, atMs: T0 + 1, startMs: T0 },
        { a: { ...GPT4O_IN, 'gen_ai.request.model': 'gpt-4o-latest', 'gen_ai.response.model': 'gpt-4o' }, sum: 1e6, atMs: T0 + 1, startMs: T0 },
      ]),
    );
    const byModel = Object.fromEntries(series(out, 'llm.cost').map((s) => [s.point.attributes['gen_ai.request.model'], s.point.value]));
    expect(byModel).toEqual({ 'gpt-4o-mini': 1, 'gpt-4o-latest': 5 });
  });

  it('reads the older gen_ai.system as the provider and prices delta points, a repeated one once', () => {
    const { t } = transform();
    const a = { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.token.type': 'output' };
    t.processMetrics(usage([{ a, sum: 100, atMs: T0 + 1000, startMs: T0 }], 'delta'));
    t.processMetrics(usage([{ a, sum: 100, atMs: T0 + 1000, startMs: T0 }], 'delta'));
    const out = t.processMetrics(usage([{ a, sum: 50, atMs: T0 + 2000, startMs: T0 + 1000 }], 'delta'));
    const [cost] = series(out, 'llm.cost');
    expect(cost!.point.attributes['gen_ai.provider.name']).toBe('openai');
    expect(cost!.point.value).toBe((150 * 15) / 1e6);
  });

  it('never guesses: a model with no price, or tokens from before its first price, are counted as unpriced and the model is named once', () => {
    const log: string[] = [];
    const { t } = transform({ initial_value: 'keep' }, log);
    const claude = { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-x', 'gen_ai.token.type': 'input' };
    t.processMetrics(usage([{ a: claude, sum: 10, atMs: T0 + 1000, startMs: T0 }]));
    const out = t.processMetrics(usage([{ a: claude, sum: 25, atMs: T0 + 2000, startMs: T0 }, { a: { ...GPT4O_IN, 'gen_ai.token.type': 'output' }, sum: 7, atMs: Date.UTC(2024, 0, 1), startMs: Date.UTC(2023, 11, 31) }]));
    expect(series(out, 'llm.cost')).toEqual([]);
    expect(series(out, 'llm.cost.unpriced_tokens').map((s) => s.point.value).sort()).toEqual([25, 7]);
    expect(log.filter((l) => l.includes('claude-x'))).toHaveLength(1);
  });

  it('takes a cumulative series that started before the processor as a baseline (auto), or in full (keep)', () => {
    const before = { a: GPT4O_IN, sum: 1000, atMs: T0 + 1000, startMs: T0 - DAY_MS };
    const later = { ...before, sum: 1200, atMs: T0 + 2000 };
    const auto = transform().t;
    auto.processMetrics(usage([before]));
    expect(series(auto.processMetrics(usage([later])), 'llm.cost')[0]!.point.value).toBe((200 * 5) / 1e6);
    const keep = transform({ initial_value: 'keep' }).t;
    keep.processMetrics(usage([before]));
    expect(series(keep.processMetrics(usage([later])), 'llm.cost')[0]!.point.value).toBe((1200 * 5) / 1e6);
  });

  it('counts a reset (a smaller value, or a new start time) with its new value once', () => {
    const { t } = transform();
    t.processMetrics(usage([{ a: GPT4O_IN, sum: 1000, atMs: T0 + 1000, startMs: T0 }]));
    t.processMetrics(usage([{ a: GPT4O_IN, sum: 40, atMs: T0 + 2000, startMs: T0 + 1500 }]));
    const out = t.processMetrics(usage([{ a: GPT4O_IN, sum: 60, atMs: T0 + 3000, startMs: T0 + 1500 }]));
    expect(series(out, 'llm.cost')[0]!.point.value).toBe((1060 * 5) / 1e6);
  });

  it('passes its input on unchanged and adds nothing when no token usage arrived', () => {
    const { t } = transform();
    const other: MetricsBatch = { resourceMetrics: [] };
    expect(t.processMetrics(other)).toBe(other);
    const batch = usage([{ a: GPT4O_IN, sum: 1, atMs: T0 + 1, startMs: T0 }]);
    const out = t.processMetrics(batch);
    expect(out.resourceMetrics[0]).toBe(batch.resourceMetrics[0]);
  });
});
