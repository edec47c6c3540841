import { readFileSync } from 'node:fs';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { tier2ConfigMaps } from '../../deploy/kubernetes/generate-config.ts';
import { loadConfig } from '../../src/config/load.ts';
import { checkConfig } from '../../src/config/resolve.ts';
import { builtinRegistry } from '../../src/components.ts';
import { REPO_ROOT } from '../helpers/gateway-process.ts';
import { tempFiles } from '../helpers/temp-files.ts';

/*
 * The manifests are checked offline against the Kubernetes API's OpenAPI schemas as the npm package
 * `kubernetes-models` ships them (ajv validators compiled from the upstream schemas): a wrong type, a
 * missing required field or an unknown kind fails here, with no cluster.
 */
const FILES = ['tier1.yaml', 'tier2.yaml', 'tier2-config.yaml', 'nats.yaml'];
const MODELS: Record<string, new (o: never) => { validate(): void }> = { ConfigMap, Service, Deployment, StatefulSet };

type Manifest = { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: Record<string, unknown> };

function manifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(`${REPO_ROOT}deploy/kubernetes/${file}`, 'utf8')).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0]!.message}`);
    return d.toJS() as Manifest;
  });
}

const all = FILES.flatMap((f) => manifests(f).map((m) => ({ file: f, m })));
const byName = (kind: string, name: string) => all.find(({ m }) => m.kind === kind && m.metadata.name === name)?.m;

/** The gateway config in a ConfigMap, checked as `switchyard validate` checks a file. */
function checkGatewayConfig(files: Record<string, string>, main: string): string[] {
  const t = tempFiles(files);
  try {
    const { issues } = checkConfig(loadConfig(t.path(main), { SWITCHYARD_HOST: '0.0.0.0' }), builtinRegistry());
    return issues.map((i) => JSON.stringify(i));
  } finally {
    t.cleanup();
  }
}

describe('deploy/kubernetes', () => {
  for (const { file, m } of all) {
    it(`${file}: ${m.kind} ${m.metadata.name} is valid against the Kubernetes schema`, () => {
      const Model = MODELS[m.kind];
      expect(Model, `no schema for kind ${m.kind}`).toBeDefined();
      expect(() => new Model!(m as never).validate()).not.toThrow();
    });
  }

  it('has a tier-1 Deployment, a tier-2 StatefulSet behind a headless Service of the same name, and NATS', () => {
    expect(byName('Deployment', 'switchyard-tier1')).toBeDefined();
    const sts = byName('StatefulSet', 'switchyard-tier2')!;
    expect(sts.spec!.serviceName).toBe('switchyard-tier2');
    expect(byName('Service', 'switchyard-tier2')!.spec!.clusterIP).toBe('None');
    expect(byName('StatefulSet', 'nats')).toBeDefined();
  });

  it('tier 1 is a valid gateway config that routes to the headless Service by DNS', () => {
    const config = byName('ConfigMap', 'switchyard-tier1')!.data!['gateway.yaml']!;
    expect(checkGatewayConfig({ 'gateway.yaml': config }, 'gateway.yaml')).toEqual([]);
    expect(config).toMatch(/dns: \{ hostname: switchyard-tier2, port: 4318/);
    // By service: the shipped ratios, caps and aggregation combine the series of a service.
    expect(config).toMatch(/routing_key: service/);
  });

  it('the JetStream layout: tier 1 publishes by service, tier 2 runs the shipped pipelines on the nats receiver', () => {
    const tier1 = byName('ConfigMap', 'switchyard-tier1-nats')!.data!['gateway.yaml']!;
    expect(checkGatewayConfig({ 'gateway.yaml': tier1 }, 'gateway.yaml')).toEqual([]);
    expect(tier1).toMatch(/routing_key: service/);
    const files: Record<string, string> = { 'config/gateway.yaml': byName('ConfigMap', 'switchyard-tier2-nats')!.data!['gateway.yaml']! };
    const pipelines = byName('ConfigMap', 'switchyard-pipelines-nats')!.data!;
    for (const [name, text] of Object.entries(pipelines)) files[`pipelines/${name}`] = text;
    expect(checkGatewayConfig(files, 'config/gateway.yaml')).toEqual([]);
    expect(pipelines['prompter-prometheus.yaml']).toContain('receivers: [nats, spanmetrics]');
    expect(pipelines['nats-receiver.yaml']).toContain('partitions_from_ordinal: { replicas: 3 }');
    expect(pipelines['nats-receiver.yaml']).toContain('leases: { bucket: SWITCHYARD_LEASES, ttl: 15s }');
    // Spans and logs reach tier 2 through nats too (the log exporter, and spanmetrics).
    expect(files['config/gateway.yaml']).not.toMatch(/receivers: \[otlp\]/);
    expect(tier1).toMatch(/traces: \{ receivers: \[otlp\], processors: \[memory_limiter\], exporters: \[nats\] \}/);
  });

  it('tier 2 runs the shipped config and pipelines, and its ConfigMaps are up to date with them', () => {
    const expected = tier2ConfigMaps();
    const actual = readFileSync(`${REPO_ROOT}deploy/kubernetes/tier2-config.yaml`, 'utf8');
    expect(actual, 'run: node --import tsx deploy/kubernetes/generate-config.ts').toBe(expected);
    const files: Record<string, string> = { 'config/gateway.yaml': byName('ConfigMap', 'switchyard-tier2')!.data!['gateway.yaml']! };
    for (const [name, text] of Object.entries(byName('ConfigMap', 'switchyard-pipelines')!.data!)) files[`pipelines/${name}`] = text;
    expect(checkGatewayConfig(files, 'config/gateway.yaml')).toEqual([]);
  });
});
