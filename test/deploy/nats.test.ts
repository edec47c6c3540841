import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../helpers/gateway-process.ts';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.ts';
import { freePort } from '../helpers/prometheus-server.ts';
import { tempFiles } from '../helpers/temp-files.ts';

/*
 * deploy/kubernetes run for real, as far as one machine can: Debian's nats-server started with the
 * nats-config ConfigMap's nats.conf (only the data folder and the ports moved), and the tier-2-on-NATS
 * gateway config (ConfigMaps switchyard-tier2-nats + switchyard-pipelines-nats) and tier 1's checked
 * by `switchyard validate`, the command an operator runs.
 */
type Manifest = { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: Record<string, unknown> };
const all = ['nats.yaml', 'tier1.yaml', 'tier2-config.yaml'].flatMap((f) => parseAllDocuments(readFileSync(`${REPO_ROOT}deploy/kubernetes/${f}`, 'utf8')).map((d) => d.toJS() as Manifest));
const byName = (kind: string, name: string) => all.find((m) => m.kind === kind && m.metadata.name === name);
let nats: NatsServer | undefined;

afterAll(async () => {
  await nats?.close();
});

/** `switchyard validate --config` on files written from ConfigMaps; its exit code and output. */
function validate(tree: Record<string, string>, main: string, env: NodeJS.ProcessEnv = {}): { status: number | null; output: string } {
  const t = tempFiles(tree);
  try {
    const r = spawnSync(process.execPath, [`${REPO_ROOT}bin/switchyard.js`, 'validate', '--config', t.path(main)], { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    t.cleanup();
  }
}

describe('deploy/kubernetes: NATS', () => {
  it('has a ConfigMap, a headless Service, a client Service and a StatefulSet with a volume claim that mounts both', () => {
    expect(byName('Service', 'nats-headless')!.spec!.clusterIP).toBe('None');
    expect(byName('Service', 'nats')).toBeDefined();
    const sts = byName('StatefulSet', 'nats')!.spec as { serviceName: string; volumeClaimTemplates: { metadata: { name: string } }[]; template: { spec: { containers: { args: string[] }[]; volumes: { configMap?: { name: string } }[] } } };
    expect(sts.serviceName).toBe('nats-headless');
    expect(sts.volumeClaimTemplates.map((v) => v.metadata.name)).toEqual(['data']);
    expect(sts.template.spec.containers[0]!.args).toEqual(['-c', '/etc/nats/nats.conf']);
    expect(sts.template.spec.volumes.map((v) => v.configMap?.name)).toContain('nats-config');
  });

  it("runs Debian's nats-server with the ConfigMap's nats.conf: JetStream on, its max_payload, and the readiness probe's path answering", async () => {
    const conf = byName('ConfigMap', 'nats-config')!.data!['nats.conf']!;
    const monitor = await freePort();
    expect(conf).toContain('store_dir: /data');
    // The helper gives the server its own data folder (-sd) and client port (-p): the file's are left out.
    const local = conf.replace(/\s*store_dir: \/data/, '').replace(/http_port: \d+/, `http_port: ${monitor}`).replace(/^port: \d+\n/m, '');
    expect(local).not.toBe(conf);
    nats = await startNatsServer(15_000, local);
    const nc = await connect({ servers: nats.url });
    try {
      expect(nc.info!.max_payload).toBe(8 * 1024 * 1024);
      const account = await (await nc.jetstreamManager()).getAccountInfo();
      expect(account.limits).toBeDefined();
    } finally {
      await nc.close();
    }
    const probe = byName('StatefulSet', 'nats')!.spec as { template: { spec: { containers: { readinessProbe: { httpGet: { path: string } } }[] } } };
    const res = await fetch(`http://127.0.0.1:${monitor}${probe.template.spec.containers[0]!.readinessProbe.httpGet.path}`);
    expect(res.status).toBe(200);
  }, 30_000);

  it('the tier-2-on-NATS gateway config (switchyard-tier2-nats + switchyard-pipelines-nats) passes switchyard validate', () => {
    const tree: Record<string, string> = { 'config/gateway.yaml': byName('ConfigMap', 'switchyard-tier2-nats')!.data!['gateway.yaml']! };
    for (const [name, text] of Object.entries(byName('ConfigMap', 'switchyard-pipelines-nats')!.data!)) tree[`pipelines/${name}`] = text;
    // Ports moved to free ones: validate also checks that every port it would listen on is free here.
    const r = validate(tree, 'config/gateway.yaml', { SWITCHYARD_HOST: '127.0.0.1', SWITCHYARD_OTLP_GRPC_PORT: '0', SWITCHYARD_OTLP_HTTP_PORT: '0', SWITCHYARD_PROMETHEUS_PORT: '0', SWITCHYARD_ADMIN_PORT: '0', SWITCHYARD_NATS_URL: nats?.url ?? 'nats://127.0.0.1:4222' });
    expect(r.output).not.toMatch(/error|invalid/i);
    expect(r.status, r.output).toBe(0);
  }, 90_000);

  it('the tier-1 JetStream config (switchyard-tier1-nats) passes switchyard validate, and a broken copy fails at its line', () => {
    const tier1 = byName('ConfigMap', 'switchyard-tier1-nats')!.data!['gateway.yaml']!;
    const env = { SWITCHYARD_HOST: '127.0.0.1', SWITCHYARD_OTLP_GRPC_PORT: '0', SWITCHYARD_OTLP_HTTP_PORT: '0', SWITCHYARD_ADMIN_PORT: '0' };
    const ok = validate({ 'gateway.yaml': tier1 }, 'gateway.yaml', env);
    expect(ok.status, ok.output).toBe(0);
    const broken = validate({ 'gateway.yaml': tier1.replace('routing_key: service', 'routing_key: streamID') }, 'gateway.yaml', env);
    expect(broken.status).toBe(1);
    expect(broken.output).toMatch(/gateway\.yaml:\d+:\d+: exporters\.nats\.routing_key: routing_key "streamID" cannot route traces/);
  }, 90_000);
});
