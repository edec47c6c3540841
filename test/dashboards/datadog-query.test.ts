import { describe, expect, it } from 'vitest';
import { datadogUses } from '../../src/dashboards/datadog-query.ts';
import { QueryParseError } from '../../src/dashboards/promql.ts';

const vars = new Map([['env', 'env'], ['svc', 'service']]);

describe('reading the metrics and tags of a DataDog metric query', () => {
  it('reads the metric, its template-variable scope (by their prefixes), its grouping and modifiers', () => {
    expect(datadogUses('sum:prompter.probe.attempts{$env,$svc} by {provider}.as_rate()', vars)).toEqual([
      { metric: 'prompter.probe.attempts', labels: [{ label: 'env', op: '=', value: '$env' }, { label: 'service', op: '=', value: '$svc' }, { label: 'provider', op: 'by', value: '' }] },
    ]);
  });

  it('reads boolean scopes: AND, OR, NOT, !, IN, parentheses, wildcards and a bare *', () => {
    const [use] = datadogUses('avg:system.cpu{(env:prod OR env:staging) AND NOT host:web-* , region IN (eu,us), !team:x}');
    expect(use!.labels).toEqual([
      { label: 'env', op: '=', value: 'prod' },
      { label: 'env', op: '=', value: 'staging' },
      { label: 'host', op: '!=', value: 'web-*' },
      { label: 'region', op: '=', value: '(list)' },
      { label: 'team', op: '!=', value: 'x' },
    ]);
    expect(datadogUses('sum:a.b{*}')).toEqual([{ metric: 'a.b', labels: [] }]);
  });

  it('reads every query of an arithmetic expression, inside functions with literal arguments', () => {
    const uses = datadogUses("top(sum:a.count{*}.as_count() / sum:b.count{*} by {x}.rollup(sum, 60), 10, 'mean', 'desc') * 100 + default_zero(avg:c{*})");
    expect(uses.map((u) => u.metric)).toEqual(['a.count', 'b.count', 'c']);
    expect(uses[1]!.labels).toEqual([{ label: 'x', op: 'by', value: '' }]);
  });

  it('refuses what is not a metric query, saying where', () => {
    expect(() => datadogUses('sum:x{env:a')).toThrow(QueryParseError);
    expect(() => datadogUses('sum:x{*} by host')).toThrow(/expected "\{" at character 13/);
  });
});
