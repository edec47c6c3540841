import { writeFileSync } from 'node:fs';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Gateway } from '../src/gateway.ts';
import { fakeRegistry, heldStarts, resetFakes } from './helpers/fake-components.ts';
import { eventually } from './helpers/prometheus-server.ts';
import { tempFiles } from './helpers/temp-files.ts';

const config = (receiver: string) => `receivers:
  push: ${receiver}
exporters:
  memory:
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [push], exporters: [memory] }
`;

const cleanups: (() => unknown)[] = [];
beforeEach(resetFakes);
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function gatewayWith(receiver: string): Gateway {
  const t = tempFiles({ 'gateway.yaml': config(receiver) });
  cleanups.push(t.cleanup);
  const gateway = new Gateway({ configFile: t.path('gateway.yaml'), registry: fakeRegistry(), logger: pino({ level: 'silent' }), env: {} });
  cleanups.push(() => gateway.shutdown());
  return gateway;
}

async function get(admin: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://${admin}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Starts the gateway with its receiver's start held, and resolves with the admin address once it is. */
async function heldMidStart(gateway: Gateway): Promise<{ admin: string; started: Promise<void> }> {
  const started = gateway.start();
  started.catch(() => undefined); // awaited by the test
  await eventually(async () => (heldStarts.length > 0 ? true : undefined), 5_000, 'the receiver start to be held');
  return { admin: gateway.endpoints().admin!, started };
}

describe('gateway health', () => {
  it('answers live but not ready while its pipelines start, then ready once every component runs', async () => {
    const gateway = gatewayWith('{ hold_start: true }');
    const { admin, started } = await heldMidStart(gateway);

    expect((await get(admin, '/health/live')).status).toBe(200);
    expect(await get(admin, '/health/ready')).toEqual({ status: 503, body: { status: 'not ready', waiting: ['receiver push: starting'] } });
    expect(await get(admin, '/health')).toMatchObject({ status: 503, body: { status: 'starting' } });

    heldStarts[0]!();
    await started;
    expect(await get(admin, '/health/ready')).toEqual({ status: 200, body: { status: 'ready' } });
    expect(await get(admin, '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('is not ready while a start that will fail is under way, and closes the admin port when it fails', async () => {
    const gateway = gatewayWith('{ hold_start: true, fail_start: true }');
    const { admin, started } = await heldMidStart(gateway);
    expect((await get(admin, '/health/ready')).status).toBe(503);

    heldStarts[0]!();
    await expect(started).rejects.toThrow('push cannot start');
    await expect(fetch(`http://${admin}/health/live`)).rejects.toThrow();
  });
});

describe('gateway own telemetry', () => {
  it('refuses to start when a pull reader’s port is taken, naming its YAML path and line, and closes the admin port', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const port = (blocker.address() as { port: number }).port;
    const t = tempFiles({ 'gateway.yaml': `${config('{}')}  telemetry:\n    metrics:\n      readers:\n        - pull: { exporter: { prometheus: { host: 127.0.0.1, port: ${port} } } }\n` });
    cleanups.push(t.cleanup);
    const gateway = new Gateway({ configFile: t.path('gateway.yaml'), registry: fakeRegistry(), logger: pino({ level: 'silent' }), env: {} });
    cleanups.push(() => gateway.shutdown());
    await expect(gateway.start()).rejects.toMatchObject({
      issues: [{ path: ['service', 'telemetry', 'metrics', 'readers', 0, 'pull', 'exporter', 'prometheus', 'port'], line: 12, message: `port ${port} on 127.0.0.1 is already in use` }],
    });
    expect(gateway.endpoints().admin).toBeUndefined();
  });
});

describe('gateway config version', () => {
  it('shows in /status.json a generation per config that took, its digest, and why a reload was refused', async () => {
    const t = tempFiles({ 'gateway.yaml': config('{}') });
    cleanups.push(t.cleanup);
    const gateway = new Gateway({ configFile: t.path('gateway.yaml'), registry: fakeRegistry(), logger: pino({ level: 'silent' }), env: {} });
    cleanups.push(() => gateway.shutdown());
    await gateway.start();
    const admin = gateway.endpoints().admin!;
    const version = async () => (await get(admin, '/status.json')).body.config as { generation: number; digest: string; last_reload: { ok: boolean; error?: string } | null };
    const first = await version();
    expect(first).toMatchObject({ generation: 1, last_reload: null });
    expect(first.digest).toMatch(/^[0-9a-f]{12}$/);

    writeFileSync(t.path('gateway.yaml'), `${config('{}')}bogus: 1\n`);
    expect(await gateway.reload()).toBe(false);
    const refused = await version();
    expect(refused).toMatchObject({ generation: 1, digest: first.digest, last_reload: { ok: false } });
    expect(refused.last_reload!.error).toContain('bogus');

    writeFileSync(t.path('gateway.yaml'), config('{ hold_start: false }'));
    expect(await gateway.reload()).toBe(true);
    const took = await version();
    expect(took).toMatchObject({ generation: 2, last_reload: { ok: true } });
    expect(took.digest).not.toBe(first.digest);
  });
});
