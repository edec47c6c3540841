import { afterEach, describe, expect, it } from 'vitest';
import { FactoryRegistry } from '../../src/component/registry.ts';
import { builtinRegistry } from '../../src/components.ts';
import { loadConfig } from '../../src/config/load.ts';
import { checkConfig } from '../../src/config/resolve.ts';
import { checkDatadog, flowLookup } from '../../src/dashboards/check.ts';
import { exportedNames } from '../../src/dashboards/pipeline-names.ts';
import { labelProcessorFactory } from '../helpers/fake-components.ts';
import { tempFiles } from '../helpers/temp-files.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** The names a config with these processors (in this order) sends to DataDog. */
function namesOf(processors: string, order: string[], registry = builtinRegistry()) {
  const files = tempFiles({
    'gateway.yaml': `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
processors:
${processors}
exporters:
  datadog: { api: { key: "" } }
service:
  pipelines:
    metrics/datadog: { receivers: [otlp], processors: [${order.join(', ')}], exporters: [datadog] }
`,
  });
  cleanups.push(files.cleanup);
  const { config, issues } = checkConfig(loadConfig(files.path('gateway.yaml'), {}), registry);
  expect(issues).toEqual([]);
  const { flow, pipelines } = exportedNames(config!, ['datadog']);
  expect(pipelines).toEqual(['metrics/datadog']);
  return flowLookup(flow);
}

const RENAME = `  rename/dd:
    labels: { http.route: route }
    metrics:
      - { from: http.server.request.duration, to: prompter.http.latency, aggregate_labels: [service, method, route], histogram_count: prompter.http.requests }
      - { from: prompter.redis.up }
      - { match: "^celery\\\\.(.*)$", to: "worker.$1" }`;

describe('the metric names a config sends to DataDog, without traffic', () => {
  it('counts a rename’s new name (and histogram count) as produced, with its aggregate labels and the resource’s tags', () => {
    const lookup = namesOf(RENAME, ['rename/dd']);
    expect(lookup('prompter.http.latency')).toEqual({ produced: true, labels: new Set(['service', 'method', 'route', 'env', 'version', 'host']) });
    expect(lookup('prompter.http.requests')).toMatchObject({ produced: true });
    // A rule without aggregate_labels: whatever labels the senders set, so none is known.
    expect(lookup('prompter.redis.up')).toEqual({ produced: true, labels: undefined });
  });

  it('calls a name no processor makes undecidable while a receiver could bring it unchanged, naming the receiver', () => {
    const lookup = namesOf(RENAME, ['rename/dd']);
    expect(lookup('some.service.metric')).toEqual({ undecidable: 'whether the senders of receiver otlp emit it under that name' });
    // A regex rename's output from names only the traffic tells cannot be known either.
    expect(lookup('worker.task.retries')).toMatchObject({ undecidable: expect.stringContaining('what rename rule "^celery\\.(.*)$" makes') });
  });

  it('says a name is not produced once a filter lets only other names through, and that an update rename takes the old name away', () => {
    const lookup = namesOf(`${RENAME}
  filter/dd:
    metrics: { include: { match_type: regexp, metric_names: ["^prompter\\\\.", "^http\\\\.server\\\\."] } }`, ['rename/dd', 'filter/dd']);
    expect(lookup('prompter.http.latency')).toMatchObject({ produced: true });
    expect(lookup('some.service.metric')).toEqual({ produced: false });
    // Renamed in place (update, every point): the original name never reaches the filter.
    expect(lookup('http.server.request.duration')).toEqual({ produced: false });
    // Another name of that prefix may still come from a service, unchanged.
    expect(lookup('prompter.queue.depth')).toMatchObject({ undecidable: expect.any(String) });
  });

  it('adds each ratio’s gauge labelled by its `by`, and the labels attributes and cardinality processors set or take away', () => {
    const lookup = namesOf(`${RENAME}
  attributes/env:
    actions: [{ key: env, action: upsert, from_resource: deployment.environment.name }, { key: method, action: delete }]
  cardinality/dd: { deny_labels: [route] }
  ratio/dd:
    ratios: [{ name: prompter.http.error_ratio, numerator: prompter.http.requests, denominator: prompter.http.requests, by: [service, env] }]`, ['rename/dd', 'attributes/env', 'cardinality/dd', 'ratio/dd']);
    expect(lookup('prompter.http.error_ratio')).toEqual({ produced: true, labels: new Set(['service', 'env', 'version', 'host']) });
    expect(lookup('prompter.http.latency')).toEqual({ produced: true, labels: new Set(['service', 'env', 'otel.metric.overflow', 'version', 'host']) });
  });

  it('calls every name after a processor that declares no effect on names undecidable, naming it', () => {
    const registry = new FactoryRegistry([...builtinRegistry().all(), labelProcessorFactory]);
    const lookup = namesOf(`${RENAME}
  label/x: { key: k, value: v }`, ['rename/dd', 'label/x'], registry);
    expect(lookup('prompter.http.latency')).toEqual({ undecidable: 'what processor label/x makes (its type does not declare its effect on names)' });
  });

  it('leaves the suffixed names of a histogram or summary undecidable (they depend on the metric’s type)', () => {
    const lookup = namesOf(RENAME, ['rename/dd']);
    expect(lookup('prompter.http.latency.count')).toMatchObject({ undecidable: expect.stringContaining('type') });
  });

  it('reports a misspelt metric as a failure and an undecidable one apart, in a dashboard check', () => {
    const lookup = namesOf(`${RENAME}
  filter/dd:
    metrics: { include: { metric_names: [prompter.http.requests, prompter.http.latency, prompter.queue.depth] } }`, ['rename/dd', 'filter/dd']);
    const findings = checkDatadog(
      [
        { where: 'widget "a"', query: 'sum:prompter.http.requests{*} by {route}' },
        { where: 'widget "b"', query: 'sum:prompter.http.requsts{*}' },
        { where: 'widget "c"', query: 'avg:prompter.queue.depth{*}' },
        { where: 'widget "d"', query: 'p95:prompter.http.latency{region:eu}' },
      ],
      lookup,
      new Map(),
    );
    expect(findings.map((f) => [f.where, f.undecidable === undefined ? 'fails' : 'undecidable', f.metric, f.label])).toEqual([
      ['widget "b"', 'fails', 'prompter.http.requsts', undefined],
      ['widget "c"', 'undecidable', 'prompter.queue.depth', undefined],
      ['widget "d"', 'fails', 'prompter.http.latency', 'region'],
    ]);
  });
});
