import type { CreateSettings, Exporter } from '../../src/component/component.ts';
import { QueuedSender } from '../../src/exporterhelper/queued-sender.ts';
import { SendError } from '../../src/exporterhelper/retry.ts';
import { countDataPoints, type MetricsBatch } from '../../src/model/metrics.ts';
import { DatadogClient } from './client.ts';
import { intakeBaseUrl, type DatadogExporterConfig } from './config.ts';
import { seriesBodies, sketchBodies, type Compression, type IntakeBody } from './payload.ts';
import { loadZstd } from './zstd.ts';
import { DatadogTranslator, type DdItem, type DdPoint, type DdSketch } from './translate.ts';

/**
 * The `datadog` exporter: OTLP metrics to DataDog's series and sketches intakes, through the shared
 * queued sender.
 */
export class DatadogExporter implements Exporter {
  private readonly translator: DatadogTranslator;
  private readonly client: DatadogClient;
  private readonly sender: QueuedSender<DdItem>;
  private readonly compression: Compression;
  /** The bodies of a request not yet delivered, kept across its retries (the queue retries the same array). */
  private readonly undelivered = new WeakMap<DdItem[], IntakeBody[]>();
  private readonly stop = new AbortController();

  constructor(
    private readonly settings: CreateSettings,
    config: DatadogExporterConfig,
  ) {
    this.translator = new DatadogTranslator({
      histogramMode: config.metrics.histograms.mode,
      resourceAttributesAsTags: config.metrics.resource_attributes_as_tags,
      defaultEnv: config.env,
      startedAtNs: Date.now() * 1e6,
      deltaTtlMs: config.delta_ttl,
    });
    this.compression = config.compression;
    this.client = new DatadogClient(intakeBaseUrl(config.api), config.api.key, config.compression);
    this.sender = new QueuedSender<DdItem>(settings, config, {
      codec: { encode: (items) => Buffer.from(JSON.stringify(items)), decode: (payload) => JSON.parse(payload.toString('utf8')) as DdItem[] },
      shardKey: (p) => `${p.metric}|${p.host ?? ''}|${p.tags.join(',')}`,
      send: (items) => this.send(items),
    });
  }

  /** Starts sending at once; the key is checked in the background, so a slow or absent DataDog holds up nothing. */
  async start(): Promise<void> {
    if (this.compression === 'zstd1') await loadZstd();
    this.sender.start();
    // One check for the gateway: with --workers N, the first worker's (health merges take its verdict).
    if ((this.settings.worker?.index ?? 0) === 0) void this.checkKey();
  }

  async consumeMetrics(batch: MetricsBatch): Promise<void> {
    this.sender.assertRoom(countDataPoints(batch));
    const { items, outOfWindow } = this.translator.translate(batch, Date.now());
    if (outOfWindow > 0) this.settings.telemetry.failed('metrics', outOfWindow, 'out_of_time_window');
    this.sender.accept(items);
  }

  async shutdown(): Promise<void> {
    this.stop.abort();
    await this.sender.shutdown();
  }

  /** A refused key is loud (one error line, `api_key_valid: false`) but never stops the gateway. */
  private async checkKey(): Promise<void> {
    const check = await this.client.validateKey(this.stop.signal);
    if (this.stop.signal.aborted) return;
    const { health, logger } = this.settings;
    if (check.outcome === 'valid') {
      health.setDetail('api_key_valid', true);
    } else if (check.outcome === 'refused') {
      health.setDetail('api_key_valid', false);
      health.reportError(new Error(`DataDog API key refused: ${check.detail}`));
      logger.error({ detail: check.detail }, 'DataDog API key check failed: DataDog refused the key, so every metric sent to it will be refused until api.key is fixed.');
    } else {
      health.setDetail('api_key_check', check.detail);
      logger.warn({ detail: check.detail }, 'Could not check the DataDog API key: DataDog did not answer the check; sending goes on.');
    }
  }

  /**
   * One request of the queue: its series and sketches, in bodies under the intake's limits. A body
   * delivered is not sent again when a later one fails and the request is retried; a body refused for
   * good does not stop the others, and its error is thrown once they are all through.
   */
  private async send(items: DdItem[]): Promise<void> {
    let bodies = this.undelivered.get(items);
    if (!bodies) {
      bodies = this.bodiesOf(items);
      this.undelivered.set(items, bodies);
    }
    let refused: SendError | undefined;
    while (bodies.length > 0) {
      try {
        await this.client.send(bodies[0]!);
      } catch (error) {
        if (!(error instanceof SendError) || error.retryable) throw error;
        refused ??= error;
      }
      bodies.shift();
    }
    this.undelivered.delete(items);
    if (refused) throw refused;
  }

  private bodiesOf(items: DdItem[]): IntakeBody[] {
    const points: DdPoint[] = [];
    const sketches: DdSketch[] = [];
    for (const item of items) {
      if (item.type === 'sketch') sketches.push(item);
      else points.push(item);
    }
    const series = seriesBodies(points, this.compression);
    const sketched = sketchBodies(sketches, this.compression);
    const bodies = [...series.bodies, ...sketched.bodies];
    const tooLarge = series.tooLarge + sketched.tooLarge;
    if (bodies.length === 0 && tooLarge > 0) throw new SendError('every item was over the intake size limit', false, 'too_large');
    if (tooLarge > 0) this.settings.telemetry.failed('metrics', tooLarge, 'too_large');
    return bodies;
  }
}
