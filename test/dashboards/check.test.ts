import { describe, expect, it } from 'vitest';
import { checkPromql } from '../../src/dashboards/check.ts';
import { expandMacros, grafanaQueries } from '../../src/dashboards/grafana.ts';
import { producedByDatadogCapture, producedByScrape } from '../../src/dashboards/produced.ts';

const scrape = `# TYPE a_total counter
a_total{service="api",env="prod",status="500"} 3
b_seconds_bucket{service="api",le="+Inf"} 1
`;

describe('checking dashboard queries against what the gateway produces', () => {
  it('knows a scrape’s metrics with their labels, plus what Prometheus adds: job, instance and up', () => {
    const produced = producedByScrape(scrape);
    expect([...produced.get('a_total')!].sort()).toEqual(['env', 'instance', 'job', 'service', 'status']);
    expect(produced.has('up')).toBe(true);
  });

  it('knows a DataDog capture’s metrics with their tag keys, host included, from series and sketches bodies', () => {
    const produced = producedByDatadogCapture(`{"series":[{"metric":"a.count","tags":["env:prod","solo"],"resources":[{"name":"h1","type":"host"}]}]}\n{"sketches":[{"metric":"b.latency","tags":["route:/x"],"host":""}]}\n`);
    expect([...produced.get('a.count')!].sort()).toEqual(['env', 'host', 'solo']);
    expect([...produced.get('b.latency')!]).toEqual(['route']);
  });

  it('reports a missing metric, a matcher or grouping on a label the metric lacks, and an unreadable query', () => {
    const findings = checkPromql(
      [
        { where: 'panel "A"', query: 'sum by (route) (rate(a_total{env="$env",region="eu"}[5m]))' },
        { where: 'panel "B"', query: 'rate(c_total[5m])' },
        { where: 'panel "C"', query: 'rate(a_total[5m]' },
      ],
      producedByScrape(scrape),
    );
    expect(findings.map((f) => `${f.where}: ${f.problem}`)).toEqual([
      'panel "A": filters on label "region", which metric "a_total" never carries',
      'panel "A": groups by label "route", which metric "a_total" never carries',
      'panel "B": metric "c_total" is not produced',
      expect.stringMatching(/^panel "C": not valid PromQL/),
    ]);
  });

  it('does not report a matcher that a series without the label passes (x="", x!="a", x=~".*")', () => {
    expect(checkPromql([{ where: 'p', query: 'a_total{region="", zone!="a", rack=~".*", pod!~"x"}' }], producedByScrape(scrape))).toEqual([]);
  });

  it('reads panels in rows and label_values variables, with Grafana’s interval macros as durations', () => {
    const queries = grafanaQueries({
      panels: [{ title: 'Row', type: 'row', panels: [{ title: 'Inner', targets: [{ expr: 'rate(a_total[$__rate_interval])' }, { expr: 'x', datasource: { type: 'loki' } }] }] }],
      templating: { list: [{ name: 'env', type: 'query', query: 'label_values(a_total{service="api"}, env)' }] },
    });
    expect(queries).toEqual([
      { where: 'panel "Inner"', query: 'rate(a_total[5m])' },
      { where: 'variable "env"', query: 'group by (env) (a_total{service="api"})' },
    ]);
    expect(expandMacros('x{env="$env"}[${__interval}]')).toBe('x{env="$env"}[1m]');
  });
});
