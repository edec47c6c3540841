import { createServer, type Server } from 'node:http';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigFault } from '../../src/component/component.ts';
import { telemetrySchema, type TelemetryConfig } from '../../src/config/telemetry.ts';
import { OwnTelemetry } from '../../src/telemetry/own-telemetry.ts';
import { SelfMetrics } from '../../src/telemetry/self-metrics.ts';
import { find, parseExposition, valueOf } from '../helpers/prom-text.ts';

const pull = (port: number) => ({ pull: { exporter: { prometheus: { host: '127.0.0.1', port } } } });
const config = (raw: unknown): TelemetryConfig => telemetrySchema.parse(raw);
const withPulls = (...ports: number[]) => config({ metrics: { readers: ports.map(pull) } });

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function ownTelemetry(): { own: OwnTelemetry; self: SelfMetrics; messages: string[] } {
  const self = new SelfMetrics({ processMetrics: false });
  const messages: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => messages.push((JSON.parse(line) as { msg: string }).msg) });
  const own = new OwnTelemetry(self, logger);
  cleanups.push(() => own.shutdown());
  return { own, self, messages };
}

async function scrape(endpoint: string): Promise<string> {
  return (await fetch(`http://${endpoint}/metrics`)).text();
}

async function refused(endpoint: string): Promise<boolean> {
  return fetch(`http://${endpoint}/metrics`).then(
    () => false,
    () => true,
  );
}

/** Holds a port, as another program would. */
async function takenPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as { port: number }).port;
}

const accepted = { component: 'otlp', signal: 'metrics', transport: 'http' };

describe('the gateway’s own telemetry across reloads (OwnTelemetry)', () => {
  it('keeps a pull reader’s listener, bound port included, when its host:port is written the same (port 0 too)', async () => {
    const { own, self } = ownTelemetry();
    await own.start(withPulls(0));
    const [before] = own.pullEndpoints();
    self.receiverAccepted.inc(accepted, 3);

    // Only the resource changes: the readers restart, the listener stays.
    const change = await own.prepare(config({ resource: { 'deployment.environment.name': 'b' }, metrics: { readers: [pull(0)] } }));
    await change.commit();

    expect(own.pullEndpoints()).toEqual([before]);
    const samples = parseExposition(await scrape(before!));
    expect(valueOf(samples, 'switchyard_receiver_accepted_points_total', accepted)).toBe(3);
    expect(find(samples, 'target_info')[0]!.labels).toMatchObject({ deployment_environment_name: 'b' });
  });

  it('moves a pull reader to its new port and closes the old one, the counts carrying on', async () => {
    const { own, self } = ownTelemetry();
    await own.start(withPulls(0));
    const [old] = own.pullEndpoints();
    self.receiverAccepted.inc(accepted, 5);
    const instance = find(parseExposition(await scrape(old!)), 'target_info')[0]!.labels.service_instance_id;

    const port = await takenPort().then(async (p) => {
      await cleanups.pop()!(); // free it again: a port known to be free a moment ago
      return p;
    });
    await (await own.prepare(withPulls(port))).commit();
    self.receiverAccepted.inc(accepted, 2);

    expect(own.pullEndpoints()).toEqual([`127.0.0.1:${port}`]);
    expect(await refused(old!)).toBe(true);
    const samples = parseExposition(await scrape(`127.0.0.1:${port}`));
    expect(valueOf(samples, 'switchyard_receiver_accepted_points_total', accepted)).toBe(7);
    // The same process, so the same service.instance.id.
    expect(find(samples, 'target_info')[0]!.labels.service_instance_id).toBe(instance);
  });

  it('refuses a change whose new pull port is taken, at the reader’s YAML path, and keeps serving the old one', async () => {
    const { own, self } = ownTelemetry();
    await own.start(withPulls(0));
    const [old] = own.pullEndpoints();
    const taken = await takenPort();

    const error = await own.prepare(withPulls(0, taken)).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ConfigFault);
    expect((error as ConfigFault).path).toEqual(['metrics', 'readers', 1, 'pull', 'exporter', 'prometheus', 'port']);
    expect((error as ConfigFault).message).toBe(`port ${taken} on 127.0.0.1 is already in use`);
    self.receiverAccepted.inc(accepted, 1);
    expect(own.pullEndpoints()).toEqual([old]);
    expect(valueOf(parseExposition(await scrape(old!)), 'switchyard_receiver_accepted_points_total', accepted)).toBe(1);
  });

  it('closes what a prepared change bound when the change is aborted (the new pipelines failed)', async () => {
    const { own } = ownTelemetry();
    await own.start(withPulls(0));
    const [old] = own.pullEndpoints();
    const port = await takenPort().then(async (p) => {
      await cleanups.pop()!();
      return p;
    });
    const change = await own.prepare(withPulls(port));
    expect(await refused(`127.0.0.1:${port}`)).toBe(false); // bound ahead, answering 503 until committed

    await change.abort();

    expect(await refused(`127.0.0.1:${port}`)).toBe(true);
    expect(own.pullEndpoints()).toEqual([old]);
    expect(await scrape(old!)).toContain('target_info');
  });

  it('closes every pull listener when the level becomes none, and binds again when it comes back', async () => {
    const { own } = ownTelemetry();
    await own.start(withPulls(0));
    const [old] = own.pullEndpoints();

    await (await own.prepare(config({ metrics: { level: 'none', readers: [pull(0)] } }))).commit();
    expect(own.pullEndpoints()).toEqual([]);
    expect(await refused(old!)).toBe(true);

    await (await own.prepare(withPulls(0))).commit();
    expect(own.pullEndpoints()).toHaveLength(1);
    expect(await scrape(own.pullEndpoints()[0]!)).toContain('target_info');
  });

  it('leaves the readers untouched when only the logs change', async () => {
    const { own, messages } = ownTelemetry();
    await own.start(withPulls(0));
    const [old] = own.pullEndpoints();

    await (await own.prepare(config({ metrics: { readers: [pull(0)] }, logs: { level: 'debug' } }))).commit();
    expect(messages.filter((m) => m === 'Own metrics readers started.')).toHaveLength(1);
    expect(own.pullEndpoints()).toEqual([old]);

    await (await own.prepare(withPulls(0, 0))).commit();
    expect(messages.filter((m) => m === 'Own metrics readers started.')).toHaveLength(2);
  });
});
