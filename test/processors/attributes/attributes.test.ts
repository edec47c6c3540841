import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../../src/model/common.ts';
import type { Metric, MetricsBatch } from '../../../src/model/metrics.ts';
import { AttributesTransform } from '../../../src/processors/attributes/attributes.ts';
import { attributesProcessorFactory } from '../../../src/processors/attributes/factory.ts';
import { freezeShared } from '../../helpers/deep-freeze.ts';
import { runProcessor } from '../../helpers/run-processor.ts';

function batch(resource: Attributes, ...metrics: [string, Attributes][]): MetricsBatch {
  const ms: Metric[] = metrics.map(([name, attributes]) => ({ name, description: '', unit: '', type: 'gauge', points: [{ attributes, startTimeUnixNano: 0, timeUnixNano: 1, flags: 0, value: 1 }] }));
  // The processor owns the batch (mutatesData): only what the ownership rule keeps read-only is frozen.
  return freezeShared({ resourceMetrics: [{ resource: { attributes: resource }, schemaUrl: '', scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics: ms }] }] });
}
const labels = (r: Awaited<ReturnType<typeof runProcessor>>) => r.metrics.map((m) => m.points[0]!.attributes);

const SERVICE_ENV = { actions: [{ key: 'service', from_resource: ['service.name'], action: 'upsert' }, { key: 'env', from_resource: ['deployment.environment.name', 'deployment.environment'], action: 'upsert' }] };

describe('attributes processor', () => {
  it('copies service.name to service and deployment.environment.name, else deployment.environment, to env', async () => {
    expect(labels(await runProcessor(attributesProcessorFactory, SERVICE_ENV, batch({ 'service.name': 'api', 'deployment.environment.name': 'prod', 'deployment.environment': 'old' }, ['m', {}])))).toEqual([{ service: 'api', env: 'prod' }]);
    expect(labels(await runProcessor(attributesProcessorFactory, SERVICE_ENV, batch({ 'service.name': 'api', 'deployment.environment': 'staging' }, ['m', {}])))).toEqual([{ service: 'api', env: 'staging' }]);
    expect(labels(await runProcessor(attributesProcessorFactory, SERVICE_ENV, batch({}, ['m', { x: '1' }])))).toEqual([{ x: '1' }]);
  });

  it('gives an attribute set that comes again as the same object the same result, per resource values', () => {
    const t = new AttributesTransform(attributesProcessorFactory.configSchema.parse(SERVICE_ENV));
    const shared = Object.freeze({ route: '/a' });
    const out = (service: string) => t.processMetrics(batch({ 'service.name': service }, ['m', shared])).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points[0]!.attributes;
    const api = out('api');
    expect(api).toEqual({ route: '/a', service: 'api' });
    expect(out('api')).toBe(api);
    expect(out('worker')).toEqual({ route: '/a', service: 'worker' });
    expect(out('api')).toEqual({ route: '/a', service: 'api' });
  });

  it('takes one resource attribute written alone, as the issue writes it (from_resource: service.name)', async () => {
    const config = { actions: [{ key: 'service', from_resource: 'service.name', action: 'upsert' }] };
    expect(labels(await runProcessor(attributesProcessorFactory, config, batch({ 'service.name': 'api' }, ['m', {}])))).toEqual([{ service: 'api' }]);
  });

  it('inserts only when absent, updates only when present, upserts always', async () => {
    const actions = [{ key: 'a', value: 'new', action: 'insert' }, { key: 'b', value: 'new', action: 'update' }, { key: 'c', value: 'new', action: 'upsert' }];
    const r = await runProcessor(attributesProcessorFactory, { actions }, batch({}, ['m1', { a: 'old', b: 'old', c: 'old' }], ['m2', {}]));
    expect(labels(r)).toEqual([{ a: 'old', b: 'new', c: 'new' }, { a: 'new', c: 'new' }]);
  });

  it('deletes by key or pattern, hashes with SHA-256, and copies from another label', async () => {
    const actions = [{ key: 'route', from_attribute: 'http.route', action: 'upsert' }, { pattern: '^user_', action: 'delete' }, { key: 'email', action: 'hash' }];
    const r = await runProcessor(attributesProcessorFactory, { actions }, batch({}, ['m', { 'http.route': '/a', user_id: 'u1', user_name: 'x', email: 'a@b.c' }]));
    expect(labels(r)).toEqual([{ 'http.route': '/a', route: '/a', email: createHash('sha256').update('a@b.c').digest('hex') }]);
  });

  it('acts only on the metrics include names and exclude does not', async () => {
    const config = { include: { match_type: 'regexp', metric_names: ['^prompter\\.'] }, exclude: { match_type: 'strict', metric_names: ['prompter.skip'] }, actions: [{ key: 't', value: 1, action: 'insert' }] };
    const r = await runProcessor(attributesProcessorFactory, config, batch({}, ['prompter.a', {}], ['prompter.skip', {}], ['other', {}]));
    expect(labels(r)).toEqual([{ t: 1 }, {}, {}]);
  });

  it('refuses actions without exactly one source, and sources on delete', () => {
    const issues = (actions: unknown[]) => attributesProcessorFactory.configSchema.safeParse({ actions }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues([{ key: 'a', action: 'insert' }])).toEqual(['actions.0: insert needs exactly one of "value", "from_attribute" and "from_resource"']);
    expect(issues([{ key: 'a', value: 1, action: 'delete' }])).toEqual(['actions.0.value: delete takes no value']);
    expect(issues([{ pattern: '(', action: 'delete' }])).toEqual(['actions.0.pattern: "(" is not a valid regular expression']);
  });
});
