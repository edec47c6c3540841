import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsExporterConfigSchema } from '../../../exporters/nats/config.ts';
import { NatsExporter } from '../../../exporters/nats/nats-exporter.ts';
import type { MetricsBatch } from '../../../src/model/metrics.ts';
import { decodeMetricsProto } from '../../../src/otlp/decode/index.ts';
import { startNatsServer, type NatsServer } from '../../helpers/nats-server.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';

/** `n` gauge points of one service, each with a long attribute so that the batch outgrows a small max_payload. */
function batch(n: number): MetricsBatch {
  const pad = 'x'.repeat(200);
  return {
    resourceMetrics: [
      {
        resource: { attributes: { 'service.name': 'svc' } },
        schemaUrl: '',
        scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics: [{ type: 'gauge', name: 'g', description: '', unit: '', points: Array.from({ length: n }, (_, i) => ({ attributes: { series: `s${i}`, pad }, startTimeUnixNano: 0, timeUnixNano: 1e18, flags: 0, value: i })) }] }],
      },
    ],
  };
}

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNatsServer(15_000, 'max_payload: 65536\n');
}, 30_000);
afterAll(async () => {
  await nats?.close();
});

describe('nats exporter', () => {
  it('splits a batch above the server’s max_payload into messages that fit, in order, losing nothing', async () => {
    const config = natsExporterConfigSchema.parse({ url: nats.url, metrics: { stream: 'SPLIT', subject_prefix: 'split' }, partition_count: 1, routing_key: 'service', max_samples_per_send: 100000, batch_send_deadline: '50ms' });
    const exporter = new NatsExporter(silentSettings('nats'), config);
    await exporter.start();
    const nc = await connect({ servers: nats.url });
    try {
      await exporter.consumeMetrics(batch(2000));
      // Shutdown sends what is queued before it returns.
      await exporter.shutdown();
      const jsm = await nc.jetstreamManager();
      const total = (await jsm.streams.info('SPLIT')).state.messages;
      expect(total).toBeGreaterThan(1);
      const seen: string[] = [];
      for (let seq = 1; seq <= total; seq++) {
        const m = await jsm.streams.getMessage('SPLIT', { seq });
        expect(m.data.length).toBeLessThanOrEqual(65536);
        for (const rm of decodeMetricsProto(m.data).batch.resourceMetrics) for (const sm of rm.scopeMetrics) for (const mt of sm.metrics) for (const p of mt.points) seen.push(String(p.attributes.series));
      }
      expect(seen).toEqual(Array.from({ length: 2000 }, (_, i) => `s${i}`));
    } finally {
      await nc.close();
      await exporter.shutdown();
    }
  }, 30_000);
});
