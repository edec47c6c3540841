import type { CreateSettings } from '../../component/component.ts';
import type { AttributeValue, Attributes } from '../../model/common.ts';
import type { ExponentialHistogramDataPoint, HistogramDataPoint, Metric, MetricsBatch, SumMetric } from '../../model/metrics.ts';
import { scaleMetric } from '../../model/scale.ts';
import { mapMetrics, relabelPointsInPlace, type AttributesOf } from '../../model/transform.ts';
import { labelValue } from '../../model/attribute-value.ts';
import { DerivedSets } from '../derived-sets.ts';
import { aggregatePoints, type GaugeAggregation } from '../point-aggregation.ts';
import { labelsMatch } from '../match/label-match.ts';
import type { RenameConfig, RenameRule } from './config.ts';
import { RuleSet, type Candidate } from './rules.ts';

type Point = Metric['points'][number];

/**
 * The `rename` transform: each metric's points go through the first rule that matches them (name, then
 * `match_labels`); what no rule takes keeps its name. Renamed metrics that land on one name in one scope
 * are merged (and their points aggregated); one whose type differs from the first there is dropped and
 * counted, since one name cannot carry two types. It owns the batches it gets (its factory says
 * `mutatesData`): points are relabelled in place, never copied, except the copy an `insert` rule adds.
 */
export class RenameTransform {
  private readonly rules: RuleSet;
  private readonly globalLabels: [string, string][];
  private readonly warned = new Set<string>();
  /** The global label renames' results, kept across batches (see DerivedSets). */
  private readonly globallyRelabelled = new DerivedSets();
  /** A point's attributes after the global label renames. */
  private readonly globalOf: AttributesOf;

  constructor(
    private readonly config: RenameConfig,
    private readonly settings: CreateSettings,
  ) {
    this.rules = new RuleSet(config);
    this.globalLabels = Object.entries(config.labels);
    const globalLabels = this.globalLabels;
    const done = this.globallyRelabelled;
    const relabelGlobally = (a: Attributes) => relabelAttributes(a, globalLabels, undefined, undefined);
    this.globalOf = globalLabels.length === 0 ? (a) => a : (a) => done.derive(a, undefined, relabelGlobally);
  }

  processMetrics(batch: MetricsBatch): MetricsBatch {
    const gaugeRules = new Map<string, GaugeAggregation>();
    const renamed = mapMetrics(batch, (m) => this.renameMetric(m, gaugeRules));
    return this.mergeByName(renamed, gaugeRules);
  }

  private renameMetric(m: Metric, gaugeRules: Map<string, GaugeAggregation>): Metric | Metric[] {
    const globalOf = this.globalOf;
    const candidates = this.rules.candidates(m.name);
    if (candidates.length === 0) return relabelPointsInPlace(m, globalOf);
    const taken = candidates.map(() => [] as Point[]);
    const untouched: Point[] = [];
    let anyTaken = false;
    for (const p of m.points) {
      const i = firstMatch(candidates, p.attributes, globalOf);
      if (i < 0) untouched.push(p);
      else {
        anyTaken = true;
        // An inserted copy is relabelled apart from its original: one point object may not be in both.
        if (candidates[i]!.rule.action === 'insert') {
          untouched.push(p);
          taken[i]!.push({ ...p });
        } else taken[i]!.push(p);
      }
    }
    if (!anyTaken) return relabelPointsInPlace(m, globalOf);
    const out: Metric[] = [];
    if (untouched.length > 0) out.push(relabelPointsInPlace(withPoints(m, untouched), globalOf));
    candidates.forEach((c, i) => {
      if (taken[i]!.length === 0) return;
      out.push(...this.applyRule(c, withPoints(m, taken[i]!)));
      gaugeRules.set(c.to, c.rule.gauge_aggregation);
    });
    return out;
  }

  /**
   * The renamed metric (labels, values, kept labels, scale, unit) and its histogram count, if asked.
   * The global label renames and the rule's are one step: a point is copied once, or merged straight
   * into its kept label set, never relabelled into an intermediate point first.
   */
  private applyRule(c: Candidate, m: Metric): Metric[] {
    const r = c.rule;
    const labelMap = Object.entries(r.labels);
    const keep = r.aggregate_labels ? new Set(r.aggregate_labels) : undefined;
    const globalOf = this.globalOf;
    // Points that shared an attribute set share the relabelled one, from batch to batch too: the
    // result of both steps is kept by the set as it came, so a known set costs one lookup.
    const relabel = (a: Attributes) => relabelAttributes(globalOf(a), labelMap, r.values, keep);
    const ruleOf: AttributesOf = (a) => c.relabelled.derive(a, undefined, relabel);
    let metric: Metric = r.scale === undefined ? m : scaleMetric(m, r.scale, m.unit);
    if (keep) {
      const { metric: merged, dropped } = aggregatePoints(metric, r.gauge_aggregation, ruleOf, true);
      if (dropped > 0) this.drop(c.to, dropped, 'histogram_bounds_mismatch');
      metric = merged;
    } else metric = relabelPointsInPlace(metric, ruleOf);
    metric = { ...metric, name: c.to, unit: r.unit ?? metric.unit };
    const out: Metric[] = [metric];
    if (c.histogramCount && (metric.type === 'histogram' || metric.type === 'exponential_histogram')) out.push(countOf(metric, c.histogramCount));
    return out;
  }

  /** Metrics of one name in one scope become one: same type merges, another type is dropped. */
  private mergeByName(batch: MetricsBatch, gaugeRules: Map<string, GaugeAggregation>): MetricsBatch {
    return {
      resourceMetrics: batch.resourceMetrics.map((rm) => ({
        ...rm,
        scopeMetrics: rm.scopeMetrics.map((sm) => {
          const byName = new Map<string, Metric>();
          let merged = false;
          for (const m of sm.metrics) {
            const first = byName.get(m.name);
            if (!first) {
              byName.set(m.name, m);
              continue;
            }
            merged = true;
            if (!sameKind(first, m)) {
              this.drop(m.name, m.points.length, 'type_conflict');
              continue;
            }
            const together = withPoints(first, [...first.points, ...m.points] as Point[]);
            const { metric, dropped } = aggregatePoints(together, gaugeRules.get(m.name) ?? 'last', undefined, true);
            if (dropped > 0) this.drop(m.name, dropped, 'histogram_bounds_mismatch');
            byName.set(m.name, metric);
          }
          return merged ? { ...sm, metrics: [...byName.values()] } : sm;
        }),
      })),
    };
  }

  private drop(name: string, points: number, reason: string): void {
    this.settings.telemetry.dropped(points, reason);
    if (this.warned.has(`${name}:${reason}`)) return;
    this.warned.add(`${name}:${reason}`);
    this.settings.logger.warn({ metric: name, points, reason }, `Dropped points of "${name}": ${reason === 'type_conflict' ? 'another metric of that name has another type' : 'histogram bounds differ and cannot be merged exactly'}.`);
  }
}

function withPoints(m: Metric, points: Point[]): Metric {
  return { ...m, points } as Metric;
}

function sameKind(a: Metric, b: Metric): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'sum' && b.type === 'sum' && (a.monotonic !== b.monotonic || a.temporality !== b.temporality)) return false;
  return !('temporality' in a) || a.temporality === (b as { temporality?: string }).temporality;
}

/** The first candidate whose `match_labels` the (globally relabelled) attributes pass; -1 for none. */
function firstMatch(candidates: Candidate[], given: Attributes, globalOf: AttributesOf): number {
  let attributes: Attributes | undefined;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    // A rule without match_labels takes every point: no need to relabel to know it.
    if (c.labelTests.length === 0 || labelsMatch(c.labelTests, (attributes ??= globalOf(given)))) return i;
  }
  return -1;
}

/** Renames labels, maps values (by the new name) and keeps only `keep`; the input set is untouched (and returned when nothing changes). */
function relabelAttributes(given: Attributes, renames: [string, string][], values: RenameRule['values'] | undefined, keep: Set<string> | undefined): Attributes {
  const attrs: Attributes = {};
  let changed = false;
  for (const k in given) {
    let name = k;
    for (const [from, to] of renames) {
      if (from === k) {
        name = to;
        changed = true;
        break;
      }
    }
    if (keep && !keep.has(name)) {
      changed = true;
      continue;
    }
    let v: AttributeValue = given[k]!;
    const map = values?.[name];
    if (map) {
      const mapped = map[labelValue(v)];
      if (mapped !== undefined) {
        v = mapped;
        changed = true;
      }
    }
    attrs[name] = v;
  }
  return changed ? attrs : given;
}

/** A histogram's counts as a monotonic counter: how `starlette_requests_total` comes from the duration histogram. */
function countOf(m: Metric & { type: 'histogram' | 'exponential_histogram' }, name: string): SumMetric {
  return {
    name,
    description: `Count of ${m.name}.`,
    unit: '',
    type: 'sum',
    temporality: m.temporality,
    monotonic: true,
    points: (m.points as (HistogramDataPoint | ExponentialHistogramDataPoint)[]).map((p) => ({ attributes: p.attributes, startTimeUnixNano: p.startTimeUnixNano, timeUnixNano: p.timeUnixNano, flags: p.flags, value: p.count })),
  };
}
