import { setTimeout as sleep } from 'node:timers/promises';
import type { CreateSettings, Exporter } from '../../src/component/component.ts';
import { FileLog } from '../../src/exporterhelper/file-log.ts';
import { SendError, sendWithRetry } from '../../src/exporterhelper/retry.ts';
import { countDataPoints, type MetricsBatch } from '../../src/model/metrics.ts';
import { CumulativeState } from '../../src/translate/cumulative-state.ts';
import { seriesSamples, STALE_NAN, type PromSample } from '../../src/translate/prometheus-samples.ts';
import { RemoteWriteClient } from './client.ts';
import type { RemoteWriteConfig } from './config.ts';
import { decodeSamples, encodeSamples } from './record-codec.ts';
import { ShardedQueue, type Ticket } from './shards.ts';
import { encodeWriteRequest } from './write-request.ts';

const SHUTDOWN_GRACE_MS = 5_000;

/**
 * The `prometheusremotewrite` exporter: the same translation and cumulative state as the `prometheus`
 * exporter, pushed as remote-write 1.0 requests through a sharded, bounded (optionally persistent)
 * queue with retries. Each accepted batch sends the new value of every series it touched.
 */
export class RemoteWriteExporter implements Exporter {
  private readonly state: CumulativeState;
  private readonly client: RemoteWriteClient;
  private readonly queue: ShardedQueue;
  private readonly stop = new AbortController();
  private readonly externalLabels: [string, string][];
  private readonly reported = new Set<string>();
  private log: FileLog | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: RemoteWriteConfig,
  ) {
    this.state = new CumulativeState({
      namespace: config.namespace,
      addMetricSuffixes: config.add_metric_suffixes,
      resourceToTelemetry: config.resource_to_telemetry_conversion.enabled,
      constLabels: {},
    });
    this.client = new RemoteWriteClient(config);
    this.externalLabels = Object.entries(config.external_labels);
    const t = settings.telemetry;
    this.queue = new ShardedQueue(
      {
        shards: config.num_consumers,
        maxSamplesPerSend: config.max_samples_per_send,
        deadlineMs: config.batch_send_deadline,
        capacity: config.sending_queue.queue_size,
        fullPolicy: config.sending_queue.full_policy,
      },
      {
        send: (samples) => this.send(samples),
        onSent: (n) => {
          t.sent('metrics', n);
          settings.health.reportOk();
        },
        onFailed: (n, error) => this.failed(n, error),
        onDroppedOldest: (n) => t.failed('metrics', n, 'queue_full'),
        onSizeChanged: (n) => {
          const age = this.queue.oldestAgeSeconds();
          t.queueSize(n);
          t.queueAge(age);
          settings.health.setDetail('queue_samples', n);
          settings.health.setDetail('queue_oldest_age_seconds', Math.round(age * 10) / 10);
          if (this.log) settings.health.setDetail('persisted_batches', this.log.backlog);
        },
      },
    );
  }

  async start(): Promise<void> {
    const storage = this.config.sending_queue.storage;
    if (storage) {
      const { log, pending, tornBytes } = FileLog.open(storage.directory);
      this.log = log;
      if (tornBytes > 0) {
        this.settings.telemetry.failed('metrics', 0, 'torn_record');
        this.settings.logger.warn({ bytes: tornBytes, directory: storage.directory }, 'Skipped a torn record at the end of the persistent queue (a crash mid-write).');
      }
      for (const record of pending) this.queue.enqueue(decodeSamples(record.payload), this.ticket(record.seq));
      if (pending.length > 0) this.settings.logger.info({ batches: pending.length }, 'Resending batches left in the persistent queue.');
    }
    const every = Math.max(1000, Math.min(this.config.metric_expiration / 2, 30_000));
    this.expiryTimer = setInterval(() => this.expire(), every);
    this.expiryTimer.unref();
  }

  async consumeMetrics(batch: MetricsBatch): Promise<void> {
    // Checked before the state changes, so a refused batch can be retried without counting twice.
    this.queue.assertRoom(countDataPoints(batch));
    const samples: PromSample[] = [];
    const { typeConflicts } = this.state.apply(batch, Date.now(), (f, s) => samples.push(...seriesSamples(f, s, Math.round(s.timeUnixNano / 1e6))));
    if (typeConflicts > 0) this.settings.telemetry.failed('metrics', typeConflicts, 'type_conflict');
    this.accept(samples);
  }

  async shutdown(): Promise<void> {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.expiryTimer = undefined;
    const flushed = await Promise.race([this.queue.flush().then(() => true), sleep(SHUTDOWN_GRACE_MS).then(() => false)]);
    if (!flushed) {
      const left = this.queue.pending;
      this.settings.logger.warn({ samples: left, persisted: this.log !== undefined }, this.log ? 'Shutting down with samples unsent; the persistent queue resends them at the next start.' : 'Shutting down with samples unsent; they are lost (configure sending_queue.storage to keep them).');
    }
    this.stop.abort();
    this.queue.stop();
    this.log?.close();
    this.log = undefined;
  }

  private accept(samples: PromSample[]): void {
    if (samples.length === 0) return;
    const seq = this.log?.append(encodeSamples(samples));
    this.queue.enqueue(samples, this.ticket(seq));
  }

  private ticket(seq: number | undefined): Ticket {
    return { remaining: 0, onDone: () => (seq !== undefined ? this.log?.ack(seq) : undefined) };
  }

  private send(samples: PromSample[]): Promise<void> {
    const body = encodeWriteRequest(samples, this.externalLabels);
    return sendWithRetry(() => this.client.send(body), this.config.retry_on_failure, this.stop.signal, {
      onRetry: (error, attempt, delayMs) => {
        this.settings.health.reportError(error);
        this.settings.logger.warn({ attempt, delay_ms: Math.round(delayMs), reason: error.reason }, `Remote write failed, retrying: ${error.message}`);
      },
    });
  }

  /** Counted by reason; each distinct answer is logged once, so an outage does not flood the log. */
  private failed(samples: number, error: unknown): void {
    const e = error instanceof SendError ? error : new SendError(String(error), false, 'error');
    this.settings.telemetry.failed('metrics', samples, e.reason);
    this.settings.health.reportError(e);
    if (!this.reported.has(e.message)) {
      this.reported.add(e.message);
      this.settings.logger.error({ samples, reason: e.reason }, `Remote write dropped samples: ${e.message}`);
    }
  }

  private expire(): void {
    const now = Date.now();
    const gone = this.state.expire(now, this.config.metric_expiration);
    if (gone.length === 0) return;
    const stale = gone.flatMap(({ family, series }) => seriesSamples(family, series, now, STALE_NAN));
    try {
      this.queue.assertRoom(stale.length);
      this.accept(stale);
    } catch {
      this.settings.telemetry.failed('metrics', stale.length, 'queue_full');
    }
  }
}
