import { createHash } from 'node:crypto';
import type { JetStreamClient, NatsConnection } from 'nats';
import type { CreateSettings, Exporter } from '../../src/component/component.ts';
import { QueuedSender } from '../../src/exporterhelper/queued-sender.ts';
import { SendError } from '../../src/exporterhelper/retry.ts';
import { SIGNAL_ROUTES, type RoutedItem } from '../../src/exporterhelper/routed-items.ts';
import type { Signal } from '../../src/model/common.ts';
import type { LogsBatch } from '../../src/model/logs.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import type { TracesBatch } from '../../src/model/traces.ts';
import { connectNats, ensureStream } from '../../src/nats/connect.ts';
import type { OtlpBatch } from '../../src/otlp/signals.ts';
import { partitionOf } from '../../src/routing/index.ts';
import { routingRuleOf } from '../../src/exporterhelper/routing-config.ts';
import type { NatsExporterConfig } from './config.ts';

/** nats-server's default max_payload, used until the server's INFO says otherwise. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/**
 * The `nats` exporter: items (points, spans, log records) are split by `partitionOf(routing key,
 * partition_count)` and each partition's items are published as one OTLP protobuf export request to
 * `<subject_prefix>.<partition>` of their signal's stream, through a queued sender per signal (batching,
 * retries). The message ID (Nats-Msg-Id) is the partition and a SHA-256 of the bytes, so a batch resent
 * after a lost acknowledgement is stored once (within the stream's duplicate window).
 */
export class NatsExporter implements Exporter {
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private started = false;
  /** One per signal, made at its first batch (an exporter in metrics pipelines only never touches the traces stream). */
  private readonly senders = new Map<Signal, QueuedSender<RoutedItem>>();
  /** A signal's stream, checked (or created) before its first publish; forgotten on failure, to try again. */
  private readonly streams = new Map<Signal, Promise<void>>();

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: NatsExporterConfig,
  ) {}

  async start(): Promise<void> {
    this.nc = await connectNats(this.config, `switchyard ${this.settings.id.toString()}`);
    this.js = this.nc.jetstream();
    this.settings.health.setDetail('streams', { metrics: this.config.metrics.stream, traces: this.config.traces.stream, logs: this.config.logs.stream });
    this.started = true;
  }

  async consumeMetrics(batch: MetricsBatch): Promise<void> {
    this.consume('metrics', batch);
  }

  async consumeTraces(batch: TracesBatch): Promise<void> {
    this.consume('traces', batch);
  }

  async consumeLogs(batch: LogsBatch): Promise<void> {
    this.consume('logs', batch);
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.senders.values()].map((s) => s.shutdown()));
    this.senders.clear();
    await this.nc?.drain().catch(() => undefined);
    this.nc = undefined;
  }

  private consume(signal: Signal, batch: OtlpBatch): void {
    const items = SIGNAL_ROUTES[signal].split(batch, routingRuleOf(this.config, signal));
    const sender = this.senderOf(signal);
    sender.assertRoom(items.length);
    sender.accept(items);
  }

  private senderOf(signal: Signal): QueuedSender<RoutedItem> {
    let sender = this.senders.get(signal);
    if (sender) return sender;
    sender = new QueuedSender<RoutedItem>(this.settings, this.config, {
      signal,
      codec: { encode: () => Buffer.alloc(0), decode: () => [] },
      shardKey: (item) => item.key,
      send: (items) => this.publish(signal, items),
    });
    if (this.started) sender.start();
    this.senders.set(signal, sender);
    return sender;
  }

  private async publish(signal: Signal, items: RoutedItem[]): Promise<void> {
    const js = this.js;
    if (!js || !this.nc) throw new SendError('not connected to NATS', true, 'connection');
    await this.streamReady(this.nc, signal);
    const byPartition = new Map<number, RoutedItem[]>();
    for (const item of items) {
      const partition = partitionOf(item.key, this.config.partition_count);
      let list = byPartition.get(partition);
      if (!list) byPartition.set(partition, (list = []));
      list.push(item);
    }
    // A retry republishes every partition's batch; those already stored are recognised by their ID.
    for (const [partition, list] of byPartition) await this.publishPartition(js, signal, partition, list);
  }

  private async streamReady(nc: NatsConnection, signal: Signal): Promise<void> {
    let ready = this.streams.get(signal);
    if (!ready) this.streams.set(signal, (ready = ensureStream(nc, this.config, signal)));
    try {
      await ready;
    } catch (error) {
      this.streams.delete(signal);
      throw new SendError(`JetStream stream ${this.config[signal].stream}: ${(error as Error).message}`, true, 'nats');
    }
  }

  /**
   * One message per partition, or, when its bytes exceed the server's max_payload (1 MiB by default),
   * halves of the items in order until each fits. The split depends only on the items, so a retry
   * publishes the same messages under the same IDs.
   */
  private async publishPartition(js: JetStreamClient, signal: Signal, partition: number, list: RoutedItem[]): Promise<void> {
    const body = SIGNAL_ROUTES[signal].encode(list);
    const maxPayload = this.nc?.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    if (body.length > maxPayload && list.length > 1) {
      const half = Math.ceil(list.length / 2);
      await this.publishPartition(js, signal, partition, list.slice(0, half));
      await this.publishPartition(js, signal, partition, list.slice(half));
      return;
    }
    if (body.length > maxPayload) throw new SendError(`one item is ${body.length} bytes, above the server's max_payload of ${maxPayload}`, false, 'too_large');
    const msgID = `${partition}-${createHash('sha256').update(body).digest('base64url')}`;
    try {
      await js.publish(`${this.config[signal].subject_prefix}.${partition}`, body, { msgID, timeout: this.config.timeout });
    } catch (error) {
      throw new SendError(`JetStream did not store the ${signal} batch for partition ${partition}: ${(error as Error).message}`, true, 'nats');
    }
  }
}
