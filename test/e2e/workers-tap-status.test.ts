import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusDocument } from '../../src/admin/status-model.ts';
import { workerOf } from '../../src/workers/split.ts';
import { runCli, startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { minimalGatewayYaml } from '../helpers/minimal-gateway-yaml.ts';
import { eventually } from '../helpers/prometheus-server.ts';
import { sdkService } from '../helpers/sdk-service.ts';
import { startTap } from '../helpers/tap-process.ts';
import { tempFiles } from '../helpers/temp-files.ts';

/** Two service names the routing rule sends to different workers of two. */
const SERVICES = ['tap-svc-0', 'tap-svc-1', 'tap-svc-2', 'tap-svc-3', 'tap-svc-4'];
const [ON_0, ON_1] = [0, 1].map((w) => SERVICES.find((s) => workerOf({ 'service.name': s }, 2) === w)!);
/** Label sets each service records per round: the points one flush of one service sends. */
const ROUTES = ['/a', '/b', '/c'];

describe('switchyard run --workers 2: tap and status page see the data of every worker', () => {
  const files = tempFiles({ 'gateway.yaml': minimalGatewayYaml() });
  let gateway: GatewayProcess;
  let admin: string;
  const services = [ON_0!, ON_1!].map((name) => ({ name, svc: undefined as unknown as ReturnType<typeof sdkService> }));
  /** One round: each service adds to its counter for every route and exports it with the real SDK. */
  const round = async () => {
    for (const s of services) {
      const counter = s.svc.meter.createCounter('tap.requests');
      for (const route of ROUTES) counter.add(1, { route });
    }
    await Promise.all(services.map((s) => s.svc.flush()));
  };
  const status = async () => (await (await fetch(`${admin}/status.json`)).json()) as StatusDocument;

  beforeAll(async () => {
    gateway = await startGateway(files.path('gateway.yaml'), {}, 30_000, ['--workers', '2']);
    admin = `http://${gateway.endpoints.admin}`;
    for (const s of services) s.svc = sdkService(gateway.endpoints['otlp.http']!, s.name);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(services.map((s) => s.svc?.shutdown()));
    await gateway?.stop();
    files.cleanup();
  });

  it('runs the two services on different workers (the precondition of what follows)', () => {
    expect(ON_0).toBeDefined();
    expect(ON_1).toBeDefined();
    expect(gateway.logs.find((l) => l.msg === 'Gateway started.')!.workers).toBe(2);
  });

  it('lists the places of the workers’ pipelines', async () => {
    const r = await runCli(['tap', '--admin', admin]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('metrics\n  after otlp\n  before batch\n  after batch\n  before prometheus\n');
  });

  it('switchyard tap shows the points that both workers processed', async () => {
    const tap = await startTap(['--admin', admin, '--pipeline', 'metrics', '--before', 'prometheus', '--match', '^tap\\.requests$', '--count', String(ROUTES.length * services.length)]);
    await round();
    expect(await tap.exited).toBe(0);
    const lines = tap.stdout().trim().split('\n');
    expect(lines).toHaveLength(ROUTES.length * services.length);
    for (const s of services) {
      const mine = lines.filter((l) => / {2}\[.*\]$/.test(l) && l.includes(`service.name=${s.name} `));
      expect(mine.map((l) => /route="([^"]+)"/.exec(l)![1]).sort()).toEqual(ROUTES);
    }
    expect(tap.stderr()).toContain('tapping metrics before prometheus');
  });

  it('/status.json counts on every edge the points of both workers, and the components’ counters of both', async () => {
    await status(); // turns the meters on in every worker
    await eventually(async () => ((await status()).pipelines[0]!.edges.every((e) => e.items !== null) ? true : undefined), 10_000, 'the meters on');
    const before = await status();
    await round();
    const points = ROUTES.length * services.length;
    const after = await eventually(async () => {
      const doc = await status();
      const edge = doc.pipelines[0]!.edges.find((e) => e.place === 'before prometheus')!;
      return edge.items! - before.pipelines[0]!.edges.find((e) => e.place === 'before prometheus')!.items! >= points ? doc : undefined;
    }, 15_000, 'both workers’ points on the status page');
    const passed = (doc: StatusDocument, place: string) => doc.pipelines[0]!.edges.find((e) => e.place === place)!.items!;
    expect(after.pipelines[0]!.edges.map((e) => e.place)).toEqual(['after otlp', 'before prometheus']);
    for (const place of ['after otlp', 'before prometheus']) expect(passed(after, place) - passed(before, place)).toBe(points);
    const exporter = after.components.find((c) => c.id === 'prometheus')!;
    expect(exporter.counts.sent).toBeGreaterThanOrEqual(2 * points);
    // One entry per component, not one per worker.
    expect(after.components.filter((c) => c.id === 'batch')).toHaveLength(1);
  });
});
