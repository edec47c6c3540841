import type { CreateSettings } from '../../component/component.ts';
import { currentOrigin, forgottenWith, joinOrigin } from '../../consumer/origin.ts';
import type { Attributes, AttributeValue, Resource } from '../../model/common.ts';
import { FLAG_NO_RECORDED_VALUE, type MetricsBatch, type NumberDataPoint, type ResourceMetrics, type SumMetric } from '../../model/metrics.ts';
import { attributesKey } from '../../model/series-key.ts';
import type { OwnCounter } from '../../telemetry/component-telemetry.ts';
import { RunningTotal } from '../running-total.ts';
import type { LlmcostConfig } from './config.ts';
import type { TokenType } from './pricing.ts';

/** The scope the cost series are emitted under. */
export const LLMCOST_SCOPE = Object.freeze({ name: 'switchyard/llmcost', version: '', attributes: Object.freeze({}) });

/** The resource attributes a cost series keeps: the service, never the instance (its totals add up across instances). */
const IDENTITY = ['service.name', 'service.namespace', 'deployment.environment.name', 'deployment.environment'];

/** The older convention's token types, as the current ones. */
const TOKEN_TYPES: Record<string, TokenType> = { input: 'input', output: 'output', prompt: 'input', completion: 'output' };

/** One cost series (or unpriced-token series) of one service: tokens counted per price, so the cost is tokens × price once. */
class Output {
  /** Tokens by the USD-per-million price they were counted at. */
  readonly tokensByPrice = new Map<number, number>();
  unpricedTokens = 0;
  timeNs = 0;
  /** Where the tokens it counts came from (src/consumer/origin.ts): it goes, with its inputs, when that origin is lost. */
  origin: string | undefined = undefined;
  constructor(
    readonly resource: Attributes,
    readonly attributes: Attributes,
    readonly startNs: number,
  ) {}

  /** USD: Σ tokens × price per million ÷ 10⁶, one product per price (a single price: exactly tokens × price). */
  get cost(): number {
    let usd = 0;
    for (const [price, tokens] of this.tokensByPrice) usd += (tokens * price) / 1e6;
    return usd;
  }
}

/** One input series: a token usage histogram's running total of tokens. */
interface Input {
  running: RunningTotal;
  output: Output;
  seenAtMs: number;
}

type IgnoreReason = 'not_a_histogram' | 'no_model' | 'out_of_order' | 'max_tracked_series';

/**
 * The `llmcost` transform: from token usage histograms (their sum is the tokens), the cost of the
 * tokens in USD by provider, model, token type, service and the configured dimensions, as the
 * cumulative counter `llm.cost`; tokens of a model the price table has no price for are counted in
 * `llm.cost.unpriced_tokens` instead, and the model is named once in the log. Every input series is a
 * RunningTotal, so a retried or resent point adds nothing and a counter reset adds its new value once.
 * The input passes on unchanged; the cost series are added beside it whenever one of theirs moved.
 */
export class LlmcostTransform {
  private readonly inputs = new Map<string, Input>();
  private readonly outputs = new Map<string, Output>();
  private readonly startNs: number;
  private readonly ignored: OwnCounter<'processor' | 'reason'>;
  private readonly logged = new Set<string>();
  private readonly id: string;
  private lastSweepMs = 0;

  constructor(
    private readonly config: LlmcostConfig,
    private readonly settings: CreateSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.startNs = now() * 1e6;
    this.id = settings.id.toString();
    this.ignored = settings.telemetry.counter({ name: 'switchyard_llmcost_ignored_points_total', help: 'Token usage points left out of the cost, by reason (they still pass on).', labelNames: ['processor', 'reason'] });
  }

  processMetrics(batch: MetricsBatch): MetricsBatch {
    const nowMs = this.now();
    const touched = new Set<Output>();
    for (const rm of batch.resourceMetrics) {
      let resourceKey: string | undefined;
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          if (m.name !== this.config.metric) continue;
          if (m.type !== 'histogram' && m.type !== 'exponential_histogram') {
            this.ignore('not_a_histogram', m.points.length, m.name);
            continue;
          }
          const delta = m.temporality === 'delta';
          for (const p of m.points) {
            if (p.flags & FLAG_NO_RECORDED_VALUE || p.sum === undefined) continue;
            resourceKey ??= attributesKey(rm.resource.attributes);
            const input = this.inputOf(resourceKey, rm.resource, p.attributes, nowMs);
            if (!input) continue;
            const increase = input.running.add(p.timeUnixNano, p.startTimeUnixNano, p.sum, delta, this.countsFirst(p.startTimeUnixNano));
            if (increase === undefined) {
              this.ignore('out_of_order', 1, m.name);
              continue;
            }
            this.count(input.output, p.attributes, increase, p.timeUnixNano);
            touched.add(input.output);
          }
        }
      }
    }
    if (touched.size > 0) {
      const from = currentOrigin();
      for (const o of touched) if (o.origin !== from) o.origin = joinOrigin(o.origin, from);
    }
    this.sweep(nowMs);
    return touched.size === 0 ? batch : { resourceMetrics: [...batch.resourceMetrics, ...this.emit(touched)] };
  }

  /**
   * Forgets the cost series whose tokens came from one of `lost` (another gateway holds that origin now),
   * and the inputs feeding them: the new holder counts them from the services' running totals.
   */
  forgetOrigins(lost: ReadonlySet<string>): void {
    const gone = new Set<Output>();
    for (const [key, o] of this.outputs) {
      if (!forgottenWith(o.origin, lost)) continue;
      gone.add(o);
      this.outputs.delete(key);
    }
    if (gone.size > 0) for (const [key, i] of this.inputs) if (gone.has(i.output)) this.inputs.delete(key);
  }

  /** Input series held, for the memory figures of `npm run bench`. */
  get trackedSeries(): number {
    return this.inputs.size;
  }

  private countsFirst(startNs: number): boolean {
    if (this.config.initial_value === 'keep') return true;
    if (this.config.initial_value === 'drop') return false;
    return startNs > 0 && startNs >= this.startNs;
  }

  private inputOf(resourceKey: string, resource: Resource, attributes: Attributes, nowMs: number): Input | undefined {
    const key = `${resourceKey}|${attributesKey(attributes)}`;
    let input = this.inputs.get(key);
    if (input) {
      input.seenAtMs = nowMs;
      return input;
    }
    const labels = this.outputAttributes(resource, attributes);
    if (!labels) {
      this.ignore('no_model', 1, this.config.metric);
      return undefined;
    }
    if (this.inputs.size >= this.config.max_tracked_series) {
      this.ignore('max_tracked_series', 1, this.config.metric);
      return undefined;
    }
    const identity: Attributes = {};
    for (const k of IDENTITY) if (resource.attributes[k] !== undefined) identity[k] = resource.attributes[k]!;
    const outKey = `${attributesKey(identity)}|${attributesKey(labels)}`;
    let output = this.outputs.get(outKey);
    if (!output) this.outputs.set(outKey, (output = new Output(identity, labels, this.startNs)));
    this.inputs.set(key, (input = { running: new RunningTotal(), output, seenAtMs: nowMs }));
    return input;
  }

  /**
   * The cost series' attributes: provider (gen_ai.provider.name, else the older gen_ai.system), the
   * requested model (else the response's), token type and the dimensions; undefined without a model.
   */
  private outputAttributes(resource: Resource, a: Attributes): Attributes | undefined {
    const model = a['gen_ai.request.model'] ?? a['gen_ai.response.model'];
    if (model === undefined || model === '') return undefined;
    const out: Attributes = { 'gen_ai.provider.name': a['gen_ai.provider.name'] ?? a['gen_ai.system'] ?? '', 'gen_ai.request.model': model };
    if (a['gen_ai.token.type'] !== undefined) out['gen_ai.token.type'] = a['gen_ai.token.type'];
    for (const d of this.config.dimensions) {
      const v: AttributeValue | undefined = a[d] ?? resource.attributes[d];
      if (v !== undefined) out[d] = v;
    }
    return out;
  }

  /** Adds tokens to their output at the price in effect at their time, or as unpriced. */
  private count(output: Output, a: Attributes, tokens: number, timeNs: number): void {
    output.timeNs = Math.max(output.timeNs, timeNs);
    if (tokens === 0) return;
    const provider = String(output.attributes['gen_ai.provider.name']);
    // The billed model is the response's when it says (a dated version), else the requested one.
    const models = [a['gen_ai.response.model'], a['gen_ai.request.model']].filter((m): m is AttributeValue => m !== undefined && m !== '').map(String);
    const type = TOKEN_TYPES[String(a['gen_ai.token.type'])];
    const price = type && models.map((m) => this.config.prices.price(provider, m, type, timeNs / 1e6)).find((p) => p !== undefined);
    if (price) {
      output.tokensByPrice.set(price.usdPerMillion, (output.tokensByPrice.get(price.usdPerMillion) ?? 0) + tokens);
      return;
    }
    output.unpricedTokens += tokens;
    const key = `${provider}\u0000${models[0]}\u0000${type ? '' : 'untyped'}`;
    if (this.logged.has(key) || this.logged.size > 1000) return;
    this.logged.add(key);
    this.settings.logger.warn(
      { provider, model: models[0], token_type: String(a['gen_ai.token.type']), pricing_file: this.config.pricing_file },
      type ? 'No price for this model in the price table: its tokens are counted in llm.cost.unpriced_tokens, not guessed.' : 'Tokens of a type with no price (not input or output) are counted in llm.cost.unpriced_tokens.',
    );
  }

  /** The cost and unpriced-token series of the outputs that moved, at their running totals. */
  private emit(touched: Set<Output>): ResourceMetrics[] {
    const byResource = new Map<string, { resource: Attributes; cost: NumberDataPoint[]; unpriced: NumberDataPoint[] }>();
    for (const o of touched) {
      const key = attributesKey(o.resource);
      let r = byResource.get(key);
      if (!r) byResource.set(key, (r = { resource: o.resource, cost: [], unpriced: [] }));
      const point = (value: number): NumberDataPoint => ({ attributes: o.attributes, startTimeUnixNano: o.startNs, timeUnixNano: o.timeNs, flags: 0, value });
      if (o.tokensByPrice.size > 0) r.cost.push(point(o.cost));
      if (o.unpricedTokens > 0) r.unpriced.push(point(o.unpricedTokens));
    }
    const sum = (name: string, unit: string, description: string, points: NumberDataPoint[]): SumMetric => ({ name, unit, description, type: 'sum', temporality: 'cumulative', monotonic: true, points });
    return [...byResource.values()].map((r) => ({
      resource: { attributes: r.resource },
      schemaUrl: '',
      scopeMetrics: [
        {
          scope: LLMCOST_SCOPE,
          schemaUrl: '',
          metrics: [
            ...(r.cost.length > 0 ? [sum('llm.cost', 'USD', 'Cost of LLM tokens, at the price table’s prices.', r.cost)] : []),
            ...(r.unpriced.length > 0 ? [sum('llm.cost.unpriced_tokens', '{token}', 'LLM tokens of models the price table has no price for.', r.unpriced)] : []),
          ],
        },
      ],
    }));
  }

  private ignore(reason: IgnoreReason, n: number, metric: string): void {
    this.ignored.inc({ processor: this.id, reason }, n);
    if (reason === 'out_of_order' || this.logged.has(reason)) return;
    this.logged.add(reason);
    this.settings.logger.warn({ metric, reason }, 'Token usage points left out of the cost (they still pass on).');
  }

  /**
   * Inputs unseen for series_expiration are forgotten, then the outputs no input feeds any more (one
   * that comes back restarts from 0: a reset downstream, never a double count).
   */
  private sweep(nowMs: number): void {
    const expiration = this.config.series_expiration;
    if (nowMs - this.lastSweepMs < expiration / 2) return;
    this.lastSweepMs = nowMs;
    const fed = new Set<Output>();
    for (const [key, i] of this.inputs) {
      if (nowMs - i.seenAtMs >= expiration) this.inputs.delete(key);
      else fed.add(i.output);
    }
    for (const [key, o] of this.outputs) if (!fed.has(o)) this.outputs.delete(key);
  }
}
