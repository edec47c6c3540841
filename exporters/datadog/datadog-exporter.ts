import type { CreateSettings, Exporter } from '../../src/component/component.ts';
import { QueuedSender } from '../../src/exporterhelper/queued-sender.ts';
import { SendError } from '../../src/exporterhelper/retry.ts';
import { countDataPoints, type MetricsBatch } from '../../src/model/metrics.ts';
import { DatadogClient } from './client.ts';
import type { DatadogExporterConfig } from './config.ts';
import { buildBodies } from './payload.ts';
import { DatadogTranslator, type DdPoint } from './translate.ts';

/** The `datadog` exporter: OTLP metrics to DataDog's v2 series intake, through the shared queued sender. */
export class DatadogExporter implements Exporter {
  private readonly translator: DatadogTranslator;
  private readonly client: DatadogClient;
  private readonly sender: QueuedSender<DdPoint>;

  constructor(
    private readonly settings: CreateSettings,
    config: DatadogExporterConfig,
  ) {
    this.translator = new DatadogTranslator({
      histogramMode: config.metrics.histograms.mode === 'counters' ? 'counters' : 'nobuckets',
      resourceAttributesAsTags: config.metrics.resource_attributes_as_tags,
      startedAtNs: Date.now() * 1e6,
      deltaTtlMs: config.delta_ttl,
    });
    this.client = new DatadogClient(config.api.endpoint || `https://api.${config.api.site}`, config.api.key);
    this.sender = new QueuedSender<DdPoint>(settings, config, {
      codec: { encode: (points) => Buffer.from(JSON.stringify(points)), decode: (payload) => JSON.parse(payload.toString('utf8')) as DdPoint[] },
      shardKey: (p) => `${p.metric}|${p.host ?? ''}|${p.tags.join(',')}`,
      send: (points) => this.send(points),
    });
  }

  /** Checks the key; a refused key is loud (log and health) but never stops the gateway. */
  async start(): Promise<void> {
    this.sender.start();
    const { valid, detail } = await this.client.validateKey();
    this.settings.health.setDetail('api_key_valid', valid);
    if (!valid) {
      this.settings.health.reportError(new Error(`DataDog API key check failed: ${detail}`));
      this.settings.logger.error({ detail }, 'DataDog API key check failed: metrics sent to DataDog will be refused until the key is fixed.');
    }
  }

  async consumeMetrics(batch: MetricsBatch): Promise<void> {
    this.sender.assertRoom(countDataPoints(batch));
    const { points, outOfWindow } = this.translator.translate(batch, Date.now());
    if (outOfWindow > 0) this.settings.telemetry.failed('metrics', outOfWindow, 'out_of_time_window');
    this.sender.accept(points);
  }

  shutdown(): Promise<void> {
    return this.sender.shutdown();
  }

  private async send(points: DdPoint[]): Promise<void> {
    const { bodies, tooLarge } = buildBodies(points);
    if (tooLarge > 0) this.settings.telemetry.failed('metrics', tooLarge, 'too_large');
    for (const body of bodies) await this.client.sendSeries(body);
    if (bodies.length === 0 && tooLarge > 0) throw new SendError('every series was over the intake size limit', false, 'too_large');
  }
}
