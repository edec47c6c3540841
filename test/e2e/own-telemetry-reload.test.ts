import { createServer, type Server } from 'node:net';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { minimalGatewayYaml } from '../helpers/minimal-gateway-yaml.ts';
import { eventually, freePort } from '../helpers/prometheus-server.ts';
import { parseExposition, valueOf } from '../helpers/prom-text.ts';
import { sdkService } from '../helpers/sdk-service.ts';
import { tempFiles } from '../helpers/temp-files.ts';

/** A gateway whose own metrics are on a pull reader at `pullPort` (line 16), with `logs` as service.telemetry.logs. */
const gatewayYaml = (pullPort: number, logs: string) =>
  minimalGatewayYaml().replace(
    '  pipelines:\n',
    `  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus: { host: 127.0.0.1, port: ${pullPort} }
    logs: ${logs}
  pipelines:
`,
  );

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const accepted = { component: 'otlp', signal: 'metrics', transport: 'http' };

async function acceptedOn(endpoint: string): Promise<number> {
  return valueOf(parseExposition(await (await fetch(`http://${endpoint}/metrics`)).text()), 'switchyard_receiver_accepted_points_total', accepted);
}

async function listening(endpoint: string): Promise<boolean> {
  return fetch(`http://${endpoint}/metrics`).then(
    () => true,
    () => false,
  );
}

/** SIGHUP, then the first line from then on that `match`es. */
async function reload(gw: GatewayProcess, match: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const mark = gw.logs.length;
  gw.child.kill('SIGHUP');
  return gw.waitForLog((l) => gw.logs.indexOf(l) >= mark && match(l));
}

/**
 * Sends `n` points from a real SDK client, which exports them again when it shuts down; resolves to
 * how many points the gateway accepted in all.
 */
async function send(otlp: string, n: number, round: number): Promise<number> {
  const service = sdkService(otlp, `reload-client-${round}`);
  const counter = service.meter.createCounter('client.requests');
  for (let i = 0; i < n; i++) counter.add(1, { route: `/r${i}` });
  await service.flush();
  await service.shutdown();
  return service.exported.length;
}

describe('service.telemetry on a SIGHUP reload', () => {
  it('moves the pull reader, changes the log level live and keeps the counts; a taken port refuses the reload at its file:line', async () => {
    const [first, second] = [await freePort(), await freePort()];
    const t = tempFiles({ 'gateway.yaml': gatewayYaml(first, '{ level: info }') });
    cleanups.push(t.cleanup);
    const gw = await startGateway(t.path('gateway.yaml'));
    cleanups.push(() => gw.stop());
    expect(gw.endpoints['telemetry.metrics.pull']).toBe(`127.0.0.1:${first}`);
    const otlp = gw.endpoints['otlp.http']!;
    let sent = await send(otlp, 4, 1);
    expect(sent).toBe(8);
    expect(await acceptedOn(`127.0.0.1:${first}`)).toBe(sent);
    expect(gw.logs.some((l) => l.msg === 'Component started.')).toBe(false); // debug, below info

    writeFileSync(t.path('gateway.yaml'), gatewayYaml(second, '{ level: debug }'));
    const reloaded = await reload(gw, (l) => l.msg === 'Configuration reloaded.');

    expect((reloaded.endpoints as Record<string, string>)['telemetry.metrics.pull']).toBe(`127.0.0.1:${second}`);
    expect(await listening(`127.0.0.1:${first}`)).toBe(false);
    // No reset: the count from before the reload is on the new port, and goes on from there.
    expect(await acceptedOn(`127.0.0.1:${second}`)).toBe(sent);
    sent += await send(otlp, 3, 2);
    expect(await acceptedOn(`127.0.0.1:${second}`)).toBe(sent);
    // The new level is in force for the components the reload started.
    expect(gw.logs.filter((l) => l.msg === 'Component started.' && l.level === 'debug').map((l) => l.component)).toEqual(expect.arrayContaining(['otlp', 'prometheus']));

    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
    const taken = (blocker.address() as { port: number }).port;
    writeFileSync(t.path('gateway.yaml'), gatewayYaml(taken, '{ level: warn }'));
    const refused = await reload(gw, (l) => String(l.msg).startsWith('Reload refused'));

    const message = (refused.err as { message: string }).message;
    const file = t.path('gateway.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(message).toMatch(new RegExp(`${file}:16:\\d+: service\\.telemetry\\.metrics\\.readers\\[0\\]\\.pull\\.exporter\\.prometheus\\.port: port ${taken} on 127\\.0\\.0\\.1 is already in use`));
    // The old configuration keeps running: the same port, the same level, the pipelines counting.
    sent += await send(otlp, 2, 3);
    expect(await acceptedOn(`127.0.0.1:${second}`)).toBe(sent);
    expect(sent).toBe(18);
    const status = (await (await fetch(`http://${gw.endpoints.admin}/status.json`)).json()) as { config: { generation: number; last_reload: { ok: boolean } } };
    expect(status.config).toMatchObject({ generation: 2, last_reload: { ok: false } });
  }, 60_000);

  it('puts new initial_fields on the lines of the main thread and of the --workers children from the reload on', async () => {
    const t = tempFiles({ 'gateway.yaml': gatewayYaml(0, '{ initial_fields: { region: eu-1, cell: a } }') });
    cleanups.push(t.cleanup);
    const gw = await startGateway(t.path('gateway.yaml'), {}, 40_000, ['--workers', '2']);
    cleanups.push(() => gw.stop());
    expect(gw.logs.find((l) => l.msg === 'Gateway started.')).toMatchObject({ region: 'eu-1', cell: 'a' });

    const mark = gw.logs.length;
    writeFileSync(t.path('gateway.yaml'), gatewayYaml(0, '{ initial_fields: { region: us-2 } }'));
    gw.child.kill('SIGHUP');
    await gw.waitForLog((l) => gw.logs.indexOf(l) >= mark && l.msg === 'Configuration reloaded.');
    const workersDone = () => gw.logs.slice(mark).filter((l) => l.msg === 'Worker pipelines reloaded.');
    await eventually(async () => (workersDone().length === 2 ? true : undefined), 20_000, 'both workers reloaded');

    const after = gw.logs.slice(mark).filter((l) => l.msg === 'Configuration reloaded.' || l.msg === 'Worker pipelines reloaded.');
    expect(after.map((l) => [l.worker ?? 'main', l.region, l.cell]).sort()).toEqual([
      [0, 'us-2', undefined],
      [1, 'us-2', undefined],
      ['main', 'us-2', undefined],
    ]);
    expect(gw.stderr()).not.toContain('next restart');
  }, 90_000);

  it('changes the level and encoding in the --workers children too', async () => {
    const t = tempFiles({ 'gateway.yaml': gatewayYaml(0, '{ level: info, encoding: json }') });
    cleanups.push(t.cleanup);
    const gw = await startGateway(t.path('gateway.yaml'), {}, 40_000, ['--workers', '2']);
    cleanups.push(() => gw.stop());
    expect(gw.stderr()).not.toContain('Component started.');

    writeFileSync(t.path('gateway.yaml'), gatewayYaml(0, '{ level: debug, encoding: console }'));
    gw.child.kill('SIGHUP');

    const lines = await eventually(async () => {
      if (gw.child.exitCode !== null || gw.child.signalCode !== null) throw new Error(`the gateway ended (${gw.child.exitCode ?? gw.child.signalCode})`);
      const text = gw.stderr();
      return / INFO {2}Configuration reloaded\. /.test(text) && /DEBUG Component started\. \{"worker":1,/.test(text) ? text : undefined;
    }, 30_000, 'console lines from the main thread and both workers').catch((e: unknown) => {
      throw new Error(`${String(e)}\n${gw.stderr()}`);
    });
    expect(lines).toMatch(/ DEBUG Component started\. \{"worker":0,"component":"prometheus","kind":"exporter"\}\n/);
    expect(lines).toMatch(/ DEBUG Component started\. \{"component":"otlp","kind":"receiver"\}\n/);
  }, 90_000);
});
