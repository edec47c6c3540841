import { describe, expect, it } from 'vitest';
import { promqlUses, QueryParseError } from '../../src/dashboards/promql.ts';

describe('reading the metrics and labels of a PromQL query', () => {
  it('finds every selector of an expression with its matchers, under functions, aggregations and binary operators', () => {
    const uses = promqlUses('100 * sum by (provider) (rate(a_total{env="$env",status=~"5.."}[5m])) / on(provider) sum by (provider) (rate(b_total[5m]))');
    expect(uses).toEqual([
      { metric: 'a_total', labels: [{ label: 'env', op: '=', value: '$env' }, { label: 'status', op: '=~', value: '5..' }, { label: 'provider', op: 'by', value: '' }] },
      { metric: 'b_total', labels: [{ label: 'provider', op: 'by', value: '' }] },
    ]);
  });

  it('reads a metric named by __name__ or as a quoted UTF-8 name, and quoted label names', () => {
    expect(promqlUses('{__name__="x_total", job!="a"}')).toEqual([{ metric: 'x_total', labels: [{ label: 'job', op: '!=', value: 'a' }] }]);
    expect(promqlUses('{"http.server.duration", "service.name"=\'api\'}')).toEqual([{ metric: 'http.server.duration', labels: [{ label: 'service.name', op: '=', value: 'api' }] }]);
  });

  it('does not carry a grouping above label_replace down to its input, which it gives the label', () => {
    expect(promqlUses('sum by (team) (label_replace(up, "team", "$1", "job", "(.*)"))')).toEqual([{ metric: 'up', labels: [] }]);
  });

  it('refuses text that is not PromQL, saying where', () => {
    expect(() => promqlUses('sum(rate(x[5m])')).toThrow(QueryParseError);
    expect(() => promqlUses('rate(x[$__rate_interval])')).toThrow(/not valid PromQL at character 8/);
  });
});
