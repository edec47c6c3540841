import type { CreateSettings, Exporter } from '../../src/component/component.ts';
import { QueuedSender } from '../../src/exporterhelper/queued-sender.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import { CumulativeState } from '../../src/translate/cumulative-state.ts';
import { stateOptions } from '../../src/translate/translation-config.ts';
import { maxSamples, seriesSamples, type PromSample } from '../../src/translate/prometheus-samples.ts';
import { RemoteWriteClient } from './client.ts';
import type { RemoteWriteConfig } from './config.ts';
import { decodeSamples, encodeSamples } from './record-codec.ts';
import { encodeWriteRequest } from './write-request.ts';

/**
 * The `prometheusremotewrite` exporter: the same translation and cumulative state as the `prometheus`
 * exporter, pushed as remote-write 1.0 requests through the shared queued sender (sharded, bounded,
 * optionally persistent, with retries). Each accepted batch sends the new value of every series it touched.
 */
export class RemoteWriteExporter implements Exporter {
  private readonly state: CumulativeState;
  private readonly sender: QueuedSender<PromSample>;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: RemoteWriteConfig,
  ) {
    this.state = new CumulativeState(stateOptions(config, {}));
    const client = new RemoteWriteClient(config);
    const externalLabels = Object.entries(config.external_labels);
    this.sender = new QueuedSender<PromSample>(settings, config, {
      codec: { encode: encodeSamples, decode: decodeSamples },
      shardKey: (s) => s.labels.map(([k, v]) => `${k}=${v}`).join(','),
      send: (samples) => client.send(encodeWriteRequest(samples, externalLabels)),
    });
  }

  async start(): Promise<void> {
    this.sender.start();
    const every = Math.max(1000, Math.min(this.config.metric_expiration / 2, 30_000));
    this.expiryTimer = setInterval(() => this.expire(), every);
    this.expiryTimer.unref();
  }

  async consumeMetrics(batch: MetricsBatch): Promise<void> {
    // Checked, in samples (the queue's unit), before the state changes, so a refused batch can be
    // retried without counting twice.
    this.sender.assertRoom(maxSamples(batch, this.config.exponential_histogram_max_buckets));
    const samples: PromSample[] = [];
    const { typeConflicts } = this.state.apply(
      batch,
      Date.now(),
      (f, s) => samples.push(...seriesSamples(f, s, Math.round(s.timeUnixNano / 1e6))),
      // A series its sender ended (a scrape target's vanished series) gets the stale marker now, not after metric_expiration.
      (f, s, timeNs) => samples.push(...seriesSamples(f, s, Math.max(Math.round(timeNs / 1e6), Math.round(s.timeUnixNano / 1e6)), true)),
    );
    if (typeConflicts > 0) this.settings.telemetry.failed('metrics', typeConflicts, 'type_conflict');
    this.sender.accept(samples);
  }

  async shutdown(): Promise<void> {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.expiryTimer = undefined;
    await this.sender.shutdown();
  }

  /**
   * A lost origin's series are dropped without a stale marker: they live on, written by the gateway that
   * took their origin over (a marker from here would end them there too).
   */
  forgetOrigins(origins: ReadonlySet<string>): void {
    this.state.forget(origins);
  }

  /** Expired series get Prometheus's stale marker, so queries stop showing their last value. */
  private expire(): void {
    const now = Date.now();
    const gone = this.state.expire(now, this.config.metric_expiration);
    if (gone.length === 0) return;
    const stale = gone.flatMap(({ family, series }) => seriesSamples(family, series, now, true));
    try {
      this.sender.assertRoom(stale.length);
      this.sender.accept(stale);
    } catch {
      this.settings.telemetry.failed('metrics', stale.length, 'queue_full');
    }
  }
}
