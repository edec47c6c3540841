import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { componentTelemetry } from '../../src/telemetry/component-telemetry.ts';
import { DETAILED_ONLY, SelfMetrics } from '../../src/telemetry/self-metrics.ts';
import { find, parseExposition, promtoolCheckMetrics, valueOf } from '../helpers/prom-text.ts';

/** One request of `bytes` taking about `ms`, and one send of each outcome, reported as a receiver and an exporter do. */
async function traffic(self: SelfMetrics, bytes: number, ms: number): Promise<void> {
  const receiver = componentTelemetry(self, 'otlp');
  const exporter = componentTelemetry(self, 'prometheusremotewrite');
  const request = receiver.requestTimer('metrics', 'http');
  receiver.requestSize('metrics', 'http', bytes);
  const send = exporter.sendTimer('metrics');
  await sleep(ms);
  request.end();
  send.end('success');
  exporter.sendTimer('metrics').end('failure');
}

const receiverLabels = { component: 'otlp', signal: 'metrics', transport: 'http' };

describe('the detailed level’s histograms (service.telemetry.metrics.level: detailed)', () => {
  it('records request duration and size and send duration per component, with the time each took', async () => {
    const self = new SelfMetrics({ processMetrics: false });
    self.level = 'detailed';
    await traffic(self, 5_000, 30);

    const samples = parseExposition((await self.render()).body);
    expect(valueOf(samples, 'switchyard_receiver_request_duration_seconds_count', receiverLabels)).toBe(1);
    const took = valueOf(samples, 'switchyard_receiver_request_duration_seconds_sum', receiverLabels);
    expect(took).toBeGreaterThanOrEqual(0.025);
    expect(took).toBeLessThan(5);
    // 30 ms lands in the 0.05 bucket, not in the 0.025 one.
    expect(valueOf(samples, 'switchyard_receiver_request_duration_seconds_bucket', { ...receiverLabels, le: '0.025' })).toBe(0);
    expect(valueOf(samples, 'switchyard_receiver_request_duration_seconds_bucket', { ...receiverLabels, le: '+Inf' })).toBe(1);
    expect(valueOf(samples, 'switchyard_receiver_request_size_bytes_sum', receiverLabels)).toBe(5_000);
    expect(valueOf(samples, 'switchyard_receiver_request_size_bytes_bucket', { ...receiverLabels, le: '4096' })).toBe(0);
    expect(valueOf(samples, 'switchyard_receiver_request_size_bytes_bucket', { ...receiverLabels, le: '16384' })).toBe(1);
    const sent = { component: 'prometheusremotewrite', signal: 'metrics' };
    expect(valueOf(samples, 'switchyard_exporter_send_duration_seconds_count', { ...sent, outcome: 'success' })).toBe(1);
    expect(valueOf(samples, 'switchyard_exporter_send_duration_seconds_sum', { ...sent, outcome: 'success' })).toBeGreaterThanOrEqual(0.025);
    expect(valueOf(samples, 'switchyard_exporter_send_duration_seconds_count', { ...sent, outcome: 'failure' })).toBe(1);
    expect(promtoolCheckMetrics((await self.render()).body).problems).toEqual([]);
  });

  it('times an intake (a scrape, a message) and a send without a queue through the same histograms, by outcome', async () => {
    const self = new SelfMetrics({ processMetrics: false });
    self.level = 'detailed';
    const nats = componentTelemetry(self, 'nats');
    await nats.timedIntake('logs', 'nats', async () => 321);
    await nats.timedIntake('logs', 'nats', async () => undefined);
    const log = componentTelemetry(self, 'log');
    expect(log.timedSend('metrics', () => 'page')).toBe('page');
    await expect(log.timedSend('metrics', () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    expect(() => log.timedSend('metrics', () => { throw new Error('no sink'); })).toThrow('no sink');

    const samples = parseExposition((await self.render()).body);
    const intake = { component: 'nats', signal: 'logs', transport: 'nats' };
    expect(valueOf(samples, 'switchyard_receiver_request_duration_seconds_count', intake)).toBe(2);
    expect([valueOf(samples, 'switchyard_receiver_request_size_bytes_count', intake), valueOf(samples, 'switchyard_receiver_request_size_bytes_sum', intake)]).toEqual([1, 321]);
    const sent = { component: 'log', signal: 'metrics' };
    expect(valueOf(samples, 'switchyard_exporter_send_duration_seconds_count', { ...sent, outcome: 'success' })).toBe(1);
    expect(valueOf(samples, 'switchyard_exporter_send_duration_seconds_count', { ...sent, outcome: 'failure' })).toBe(2);
  });

  it('records nothing at normal, basic and none, and shows none of these series there', async () => {
    for (const level of ['normal', 'basic', 'none'] as const) {
      const self = new SelfMetrics({ processMetrics: false });
      self.level = level;
      await traffic(self, 5_000, 1);
      self.level = 'detailed';
      const samples = parseExposition((await self.render()).body);
      for (const name of DETAILED_ONLY) expect(find(samples, `${name}_count`), `${name} at ${level}`).toEqual([]);
    }
  });

  it('hides what was recorded at detailed once the level is lowered (a reload), from /metrics and from the readers', async () => {
    const self = new SelfMetrics({ processMetrics: false });
    self.level = 'detailed';
    await traffic(self, 100, 1);
    componentTelemetry(self, 'otlp').accepted('metrics', 'http', 3);
    expect((await self.snapshot()).map((m) => m.name)).toEqual(expect.arrayContaining([...DETAILED_ONLY]));

    for (const level of ['normal', 'basic'] as const) {
      self.level = level;
      const { body } = await self.render();
      for (const name of DETAILED_ONLY) expect(body).not.toContain(name);
      expect(valueOf(parseExposition(body), 'switchyard_receiver_accepted_points_total', receiverLabels)).toBe(3);
      expect((await self.snapshot()).map((m) => m.name).filter((n) => DETAILED_ONLY.has(n))).toEqual([]);
    }
  });
});
