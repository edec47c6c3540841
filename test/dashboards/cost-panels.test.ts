import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { promqlUses } from '../../src/dashboards/promql.ts';

interface Panel {
  title?: string;
  type?: string;
  targets?: { expr?: string }[];
  fieldConfig?: { defaults?: { unit?: string } };
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync('config/dashboards/grafana-prompter-rollout.json', 'utf8')) as { panels: Panel[] };
const panels = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...panels(p.panels ?? [])]);
const panel = (title: string) => panels(dashboard.panels).find((p) => p.title === title);

/** Each query's metrics with the labels it groups by, as `metric by a,b`. */
const uses = (p: Panel | undefined) =>
  // Grafana's range variable, as a duration PromQL reads.
  (p?.targets ?? []).flatMap((t) => promqlUses((t.expr ?? '').replaceAll('$__range', '1h')).map((u) => `${u.metric} by ${u.labels.filter((l) => l.op === 'by').map((l) => l.label).sort().join(',')}`));

describe('the Grafana dashboard’s LLM cost panels (seed 003’s financial metrics)', () => {
  it('shows the cost by provider and per feature in USD, from llm_cost_usd_total', () => {
    expect(uses(panel('Cost by provider'))).toEqual(['llm_cost_usd_total by provider']);
    expect(uses(panel('Cost per feature'))).toEqual(['llm_cost_usd_total by feature']);
    for (const title of ['Cost by provider', 'Cost per feature']) expect(panel(title)?.fieldConfig?.defaults?.unit, title).toBe('currencyUSD');
  });

  it('shows the daily cost trend as a day’s increase per provider', () => {
    const p = panel('Daily cost trend');
    expect(p?.type).toBe('timeseries');
    expect(uses(p)).toEqual(['llm_cost_usd_total by provider']);
    expect(p!.targets![0]!.expr).toContain('[1d]');
  });

  it('shows tokens per dollar per provider and model: token usage over cost', () => {
    expect(uses(panel('Tokens per dollar'))).toEqual(['gen_ai_client_token_usage_sum by model,provider', 'llm_cost_usd_total by model,provider']);
  });
});
