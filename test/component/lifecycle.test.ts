import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Component, Factory } from '../../src/component/component.ts';
import { builtinFactories } from '../../src/components.ts';
import type { SignalConsumers } from '../../src/consumer/consumer.ts';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.ts';
import { silentSettings } from '../helpers/silent-settings.ts';

/**
 * The smallest valid settings of components that have required settings. A new component whose
 * defaults do not parse must be added here, so that every component goes through this test. Keyed
 * by type, or by `kind/type` where a receiver and an exporter share a type.
 */
const MINIMAL_SETTINGS: Record<string, unknown> = {
  otlp: { protocols: { grpc: null, http: null } },
  hostmetrics: { scrapers: { cpu: null } },
  rename: { metrics: [{ from: 'a', to: 'b' }] },
  ratio: { ratios: [{ name: 'r', numerator: 'a', denominator: 'b' }] },
  attributes: { actions: [{ key: 'k', value: 'v', action: 'insert' }] },
  prometheusremotewrite: { endpoint: 'http://127.0.0.1:9/api/v1/write' },
  prefer: { primary: { metric_names: ['a'] }, fallback: { metric_names: ['b'] } },
  datadog: { api: { key: 'k', endpoint: 'http://127.0.0.1:9' } },
  memory_limiter: { check_interval: '1s', limit_mib: 512 },
  'receiver/prometheus': { config: { scrape_configs: [{ job_name: 'j', scrape_interval: '1s', static_configs: [{ targets: ['127.0.0.1:9'] }] }] } },
  loadbalancing: { resolver: { static: { hostnames: ['127.0.0.1:9'] } } },
  // The nats components' settings are set once the real nats-server below is up.
  nats: {},
  'receiver/nats': {},
};

let nats: NatsServer | undefined;
beforeAll(async () => {
  nats = await startNatsServer();
  MINIMAL_SETTINGS.nats = { url: nats.url };
  // The nats receiver must be given its partitions too.
  MINIMAL_SETTINGS['receiver/nats'] = { url: nats.url, partitions: [0] };
});
afterAll(() => nats?.close());

const ENDPOINT = /^(\[[^\]]+\]|[A-Za-z0-9.\-]*):\d+$/;

/** Moves every `host:port` of a config to a free port on loopback, so the test can bind. */
function onFreePorts(value: unknown): unknown {
  if (typeof value === 'string') return ENDPOINT.test(value) ? '127.0.0.1:0' : value;
  if (Array.isArray(value)) return value.map(onFreePorts);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, onFreePorts(v)]));
  return value;
}

function configOf(factory: Factory): unknown {
  const parsed = factory.configSchema.safeParse(MINIMAL_SETTINGS[`${factory.kind}/${factory.type}`] ?? MINIMAL_SETTINGS[factory.type]);
  if (!parsed.success) throw new Error(`${factory.kind} ${factory.type}: add its minimal settings to MINIMAL_SETTINGS (${parsed.error.message})`);
  return onFreePorts(parsed.data);
}

const noop = { consumeMetrics: async () => undefined, consumeTraces: async () => undefined, consumeLogs: async () => undefined };
const next: SignalConsumers = { metrics: noop, traces: noop, logs: noop };

function canConnect(address: string): Promise<boolean> {
  const [, host, port] = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address)!;
  return new Promise((resolve) => {
    const socket = connect(Number(port), host!);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function instances(factory: Factory, settings = silentSettings(factory.type)): Component[] {
  const config = configOf(factory);
  switch (factory.kind) {
    case 'receiver':
    case 'connector':
      return [factory.create(settings, config, next)];
    case 'exporter':
      return [factory.create(settings, config)];
    case 'processor':
      return [factory.createMetrics?.(settings, config, noop), factory.createTraces?.(settings, config, noop), factory.createLogs?.(settings, config, noop)].filter(
        (p): p is NonNullable<typeof p> => p !== undefined,
      );
  }
}

describe('component lifecycle (every built-in factory)', () => {
  const factories = builtinFactories();

  it('has at least the receivers and exporters of the default config', () => {
    const types = factories.map((f) => `${f.kind}:${f.type}`);
    expect(types).toEqual(expect.arrayContaining(['receiver:otlp', 'exporter:prometheus', 'exporter:log']));
  });

  for (const factory of factories) {
    describe(`${factory.kind} ${factory.type}`, () => {
      it('shuts down safely before start, and twice', async () => {
        for (const c of instances(factory)) {
          await c.shutdown();
          await c.shutdown();
        }
      });

      it('listens on every endpoint it reports once started, and releases them all on shutdown', async () => {
        const settings = silentSettings(factory.type);
        for (const c of instances(factory, settings)) {
          await c.start();
          const endpoints = Object.entries(settings.details).filter(([k]) => k.startsWith('endpoint')).map(([, v]) => String(v));
          for (const e of endpoints) expect(await canConnect(e), `${e} after start`).toBe(true);
          await c.shutdown();
          await c.shutdown();
          for (const e of endpoints) expect(await canConnect(e), `${e} after shutdown`).toBe(false);
        }
      });
    });
  }
});
