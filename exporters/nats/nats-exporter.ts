import { createHash } from 'node:crypto';
import type { JetStreamClient, NatsConnection } from 'nats';
import type { CreateSettings, Exporter } from '../../src/component/component.ts';
import { encodeMetricsRequest } from '../../src/exporterhelper/otlp-metrics-encoder.ts';
import { QueuedSender } from '../../src/exporterhelper/queued-sender.ts';
import { SendError } from '../../src/exporterhelper/retry.ts';
import { batchOf, routedPoints, type RoutedPoint } from '../../src/exporterhelper/routed-points.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import { connectNats, ensureStream } from '../../src/nats/connect.ts';
import { partitionOf } from '../../src/routing/index.ts';
import type { NatsExporterConfig } from './config.ts';

/** nats-server's default max_payload, used until the server's INFO says otherwise. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/**
 * The `nats` exporter: points are split by `partitionOf(routing key, partition_count)` and each
 * partition's points are published as one OTLP protobuf `ExportMetricsServiceRequest` to
 * `<subject_prefix>.<partition>`, through the shared queued sender (batching, retries). The message ID
 * (Nats-Msg-Id) is the partition and a SHA-256 of the bytes, so a batch resent after a lost
 * acknowledgement is stored once (within the stream's duplicate window).
 */
export class NatsExporter implements Exporter {
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private readonly sender: QueuedSender<RoutedPoint>;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: NatsExporterConfig,
  ) {
    this.sender = new QueuedSender<RoutedPoint>(settings, config, {
      codec: { encode: () => Buffer.alloc(0), decode: () => [] },
      shardKey: (p) => p.key,
      send: (points) => this.publish(points),
    });
  }

  async start(): Promise<void> {
    this.nc = await connectNats(this.config, `switchyard ${this.settings.id.toString()}`);
    await ensureStream(this.nc, this.config);
    this.js = this.nc.jetstream();
    this.settings.health.setDetail('stream', this.config.stream);
    this.sender.start();
  }

  async consumeMetrics(batch: MetricsBatch): Promise<void> {
    const points = routedPoints(batch, this.config.routing_key);
    this.sender.assertRoom(points.length);
    this.sender.accept(points);
  }

  async shutdown(): Promise<void> {
    await this.sender.shutdown();
    await this.nc?.drain().catch(() => undefined);
    this.nc = undefined;
  }

  private async publish(points: RoutedPoint[]): Promise<void> {
    const js = this.js;
    if (!js) throw new SendError('not connected to NATS', true, 'connection');
    const byPartition = new Map<number, RoutedPoint[]>();
    for (const p of points) {
      const partition = partitionOf(p.key, this.config.partition_count);
      let list = byPartition.get(partition);
      if (!list) byPartition.set(partition, (list = []));
      list.push(p);
    }
    // A retry republishes every partition's batch; those already stored are recognised by their ID.
    for (const [partition, list] of byPartition) await this.publishPartition(js, partition, list);
  }

  /**
   * One message per partition, or, when its bytes exceed the server's max_payload (1 MiB by default),
   * halves of the points in order until each fits. The split depends only on the points, so a retry
   * publishes the same messages under the same IDs.
   */
  private async publishPartition(js: JetStreamClient, partition: number, list: RoutedPoint[]): Promise<void> {
    const body = encodeMetricsRequest(batchOf(list));
    const maxPayload = this.nc?.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    if (body.length > maxPayload && list.length > 1) {
      const half = Math.ceil(list.length / 2);
      await this.publishPartition(js, partition, list.slice(0, half));
      await this.publishPartition(js, partition, list.slice(half));
      return;
    }
    if (body.length > maxPayload) throw new SendError(`one point is ${body.length} bytes, above the server's max_payload of ${maxPayload}`, false, 'too_large');
    const msgID = `${partition}-${createHash('sha256').update(body).digest('base64url')}`;
    try {
      await js.publish(`${this.config.subject_prefix}.${partition}`, body, { msgID, timeout: this.config.timeout });
    } catch (error) {
      throw new SendError(`JetStream did not store the batch for partition ${partition}: ${(error as Error).message}`, true, 'nats');
    }
  }
}
