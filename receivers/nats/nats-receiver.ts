import { hostname } from 'node:os';
import { AckPolicy, DeliverPolicy, nanos, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import { ConfigFault, type Component, type CreateSettings } from '../../src/component/component.ts';
import type { MetricsConsumer } from '../../src/consumer/consumer.ts';
import { ConsumerError } from '../../src/consumer/errors.ts';
import { countDataPoints } from '../../src/model/metrics.ts';
import { connectNats, ensureStream } from '../../src/nats/connect.ts';
import { AttributeInterner, decodeMetricsProto } from '../../src/otlp/decode/index.ts';
import { ownedPartitions, type NatsReceiverConfig } from './config.ts';

const TRANSPORT = 'nats';

/**
 * The `nats` receiver: one durable JetStream consumer per owned partition. A message is acknowledged
 * only once the pipelines accepted its batch (at-least-once): refused as retryable, it is redelivered
 * after a delay; undecodable or refused permanently, it is terminated (counted, never redelivered).
 * The durable consumer remembers what was acknowledged, so a restart, or a replacement given the same
 * partitions, resumes there.
 */
export class NatsReceiver implements Component {
  private nc: NatsConnection | undefined;
  private readonly loops: Promise<void>[] = [];
  private readonly streams: ConsumerMessages[] = [];
  private partitions: number[] = [];
  /** A series' attributes stay one object from message to message (see AttributeInterner). */
  private readonly interner = new AttributeInterner();

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: NatsReceiverConfig,
    private readonly next: MetricsConsumer,
  ) {}

  async start(): Promise<void> {
    try {
      this.partitions = ownedPartitions(this.config, hostname());
    } catch (error) {
      throw new ConfigFault(['partitions_from_ordinal'], (error as Error).message);
    }
    this.nc = await connectNats(this.config, `switchyard ${this.settings.id.toString()}`);
    await ensureStream(this.nc, this.config);
    const jsm = await this.nc.jetstreamManager();
    const js = this.nc.jetstream();
    for (const p of this.partitions) {
      const durable = `${this.config.durable_prefix}-p${p}`;
      await jsm.consumers.add(this.config.stream, {
        durable_name: durable,
        filter_subject: `${this.config.subject_prefix}.${p}`,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(this.config.ack_wait),
        max_ack_pending: this.config.max_ack_pending,
      });
      const consumer = await js.consumers.get(this.config.stream, durable);
      const messages = await consumer.consume({ max_messages: this.config.max_ack_pending });
      this.streams.push(messages);
      this.loops.push(this.run(messages));
    }
    this.settings.health.setDetail('partitions', this.partitions);
    this.settings.logger.info({ partitions: this.partitions, stream: this.config.stream }, 'Consuming JetStream partitions.');
  }

  async shutdown(): Promise<void> {
    // Stop asking for messages, let the ones being handled finish (and be acknowledged), then close.
    for (const s of this.streams.splice(0)) s.stop();
    await Promise.all(this.loops.splice(0));
    await this.nc?.drain().catch(() => undefined);
    this.nc = undefined;
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const m of messages) await this.handle(m);
    } catch (error) {
      this.settings.health.reportError(error);
      this.settings.logger.error({ err: (error as Error).message }, 'A JetStream consumer stopped.');
    }
  }

  private async handle(m: JsMsg): Promise<void> {
    let decoded;
    try {
      decoded = decodeMetricsProto(m.data, this.interner);
    } catch (error) {
      this.settings.telemetry.refusedRequest('metrics', TRANSPORT, 'invalid');
      this.settings.logger.error({ subject: m.subject, seq: m.seq, err: (error as Error).message }, 'Dropped an undecodable JetStream message.');
      m.term();
      return;
    }
    const items = countDataPoints(decoded.batch);
    if (decoded.rejected > 0) this.settings.telemetry.refused('metrics', TRANSPORT, decoded.rejected, 'invalid');
    try {
      if (items > 0) await this.next.consumeMetrics(decoded.batch);
    } catch (error) {
      const refusal = ConsumerError.from(error);
      this.settings.telemetry.refused('metrics', TRANSPORT, items, refusal.retryable ? 'backpressure' : 'rejected');
      if (refusal.retryable) m.nak(refusal.retryAfterMs ?? 1000);
      else m.term();
      return;
    }
    this.settings.telemetry.accepted('metrics', TRANSPORT, items);
    // Acknowledged and confirmed by the server, so a restart right after cannot see it again.
    await m.ackAck().catch(() => undefined);
  }
}
