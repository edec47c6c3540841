import { hostname } from 'node:os';
import { AckPolicy, DeliverPolicy, nanos, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import { ConfigFault, type Component, type CreateSettings } from '../../src/component/component.ts';
import type { SignalConsumers } from '../../src/consumer/consumer.ts';
import { withOrigin } from '../../src/consumer/origin.ts';
import { ConsumerError } from '../../src/consumer/errors.ts';
import type { LogsBatch } from '../../src/model/logs.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import type { Signal } from '../../src/model/common.ts';
import type { TracesBatch } from '../../src/model/traces.ts';
import { connectNats, ensureStream } from '../../src/nats/connect.ts';
import { AttributeInterner } from '../../src/otlp/decode/index.ts';
import { OTLP_SIGNALS, type OtlpBatch } from '../../src/otlp/signals.ts';
import type { IntakeOutcome, OwnCounter } from '../../src/telemetry/component-telemetry.ts';
import { ownedPartitions, type NatsReceiverConfig } from './config.ts';
import { PartitionLeases } from './leases.ts';

const TRANSPORT = 'nats';

/** Messages a gateway left to a partition's owner because its own lease had run out (see PartitionLeases.holds). */
const FENCED_MESSAGES = { name: 'switchyard_nats_fenced_messages_total', help: 'JetStream messages left unhandled and unacknowledged because this gateway\'s lease on their partition had run out (it was frozen or stalled); the partition\'s owner handles them.', labelNames: ['receiver', 'signal'] as const };

/** One partition's consumers (one per signal used) and the loops handling their messages. */
interface Attached {
  streams: ConsumerMessages[];
  loops: Promise<void>[];
}

/**
 * The `nats` receiver: for each owned partition, one durable JetStream consumer per signal its pipelines
 * use (on that signal's stream). A message is acknowledged only once the pipelines accepted its batch
 * (at-least-once): refused as retryable, it is redelivered after a delay; undecodable or refused
 * permanently, it is terminated (counted, never redelivered). The durable consumer remembers what was
 * acknowledged, so a restart, or a replacement given the same partitions, resumes there.
 */
export class NatsReceiver implements Component {
  private nc: NatsConnection | undefined;
  private readonly attached = new Map<number, Attached>();
  /** A series' attributes stay one object from message to message (see AttributeInterner). */
  private readonly interner = new AttributeInterner();
  private readonly signals: Signal[];
  private leases: PartitionLeases | undefined;
  private readonly fenced: OwnCounter<'receiver' | 'signal'>;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: NatsReceiverConfig,
    private readonly next: SignalConsumers,
  ) {
    this.signals = (['metrics', 'traces', 'logs'] as const).filter((s) => next[s] !== undefined);
    this.fenced = settings.telemetry.counter(FENCED_MESSAGES);
  }

  async start(): Promise<void> {
    let partitions: number[];
    try {
      partitions = ownedPartitions(this.config, hostname());
    } catch (error) {
      throw new ConfigFault(['partitions_from_ordinal'], (error as Error).message);
    }
    this.nc = await connectNats(this.config, `switchyard ${this.settings.id.toString()}`);
    for (const signal of this.signals) await ensureStream(this.nc, this.config, signal);
    if (this.config.leases) {
      const { bucket, ttl } = this.config.leases;
      const kv = await this.nc.jetstream().views.kv(bucket, { ttl, history: 1 });
      this.leases = new PartitionLeases(kv, { partitionCount: this.config.partition_count, preferred: partitions, ttlMs: ttl }, { attach: (p) => this.attach(p), detach: (p) => this.detach(p), expired: (p) => this.settings.originsLost?.([this.origin(p)]) }, this.settings.logger);
      this.settings.health.setDetail('lease_owner', this.leases.id);
      await this.leases.start();
      this.settings.logger.info({ partitions: this.partitions, preferred: partitions, signals: this.signals, bucket, owner: this.leases.id }, 'Consuming JetStream partitions held by lease.');
      return;
    }
    for (const p of partitions) await this.attach(p);
    this.settings.logger.info({ partitions, signals: this.signals }, 'Consuming JetStream partitions.');
  }

  async shutdown(): Promise<void> {
    // Leases given back first: the others take the partitions over at their next look.
    await this.leases?.stop();
    this.leases = undefined;
    // Stop asking for messages, let the ones being handled finish (and be acknowledged), then close.
    await Promise.all([...this.attached.keys()].map((p) => this.detach(p)));
    await this.nc?.drain().catch(() => undefined);
    this.nc = undefined;
  }

  /** The partitions consumed now. */
  get partitions(): number[] {
    return [...this.attached.keys()].sort((a, b) => a - b);
  }

  /** Starts consuming partition `p` of every signal used, from where its durable consumers were acknowledged. */
  protected async attach(p: number): Promise<void> {
    const nc = this.nc;
    if (!nc || this.attached.has(p)) return;
    const jsm = await nc.jetstreamManager();
    const js = nc.jetstream();
    const durable = `${this.config.durable_prefix}-p${p}`;
    const entry: Attached = { streams: [], loops: [] };
    this.attached.set(p, entry);
    for (const signal of this.signals) {
      const { stream, subject_prefix } = this.config[signal];
      await jsm.consumers.add(stream, {
        durable_name: durable,
        filter_subject: `${subject_prefix}.${p}`,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(this.config.ack_wait),
        max_ack_pending: this.config.max_ack_pending,
      });
      const messages = await (await js.consumers.get(stream, durable)).consume({ max_messages: this.config.max_ack_pending });
      entry.streams.push(messages);
      entry.loops.push(this.run(p, signal, messages));
    }
    this.settings.health.setDetail('partitions', this.partitions);
  }

  /**
   * Stops consuming partition `p`; resolves once the messages being handled are settled. Then the
   * pipelines forget the state that partition's series built here (cumulative values, label sets, served
   * series): its next holder serves them, so they must not be served twice.
   */
  protected async detach(p: number): Promise<void> {
    const entry = this.attached.get(p);
    if (!entry) return;
    this.attached.delete(p);
    for (const s of entry.streams) s.stop();
    await Promise.all(entry.loops);
    this.settings.originsLost?.([this.origin(p)]);
    this.settings.health.setDetail('partitions', this.partitions);
  }

  /** The origin (src/consumer/origin.ts) of partition `p`'s data: what its series' state is kept under downstream. */
  private origin(p: number): string {
    return `${this.settings.id.toString()}/p${p}`;
  }

  private async run(p: number, signal: Signal, messages: ConsumerMessages): Promise<void> {
    try {
      // Each message one request of the detailed-level histograms: decoded and taken by the pipelines, its bytes.
      // A fenced message is no intake: timed, but its size not counted. Under the partition's origin only
      // with leases: fixed partitions never move while running, and the async context costs every await
      // of the process once used (Node 20: ≈ 0.1 µs each). Each also one span of the gateway's own traces,
      // with the message's redeliveries as its retries.
      const origin = this.origin(p);
      const handle = this.config.leases ? (m: JsMsg, o: IntakeOutcome) => withOrigin(origin, () => this.handle(p, signal, m, o)) : (m: JsMsg, o: IntakeOutcome) => this.handle(p, signal, m, o);
      for await (const m of messages) await this.settings.telemetry.timedIntake(signal, TRANSPORT, (outcome) => (outcome.retries(m.info.deliveryCount - 1), handle(m, outcome)));
    } catch (error) {
      this.settings.health.reportError(error);
      this.settings.logger.error({ signal, err: (error as Error).message }, 'A JetStream consumer stopped.');
    }
  }

  /** Handles one message; resolves to its size, or to nothing when it was fenced (left to the partition's owner). */
  private async handle(p: number, signal: Signal, m: JsMsg, outcome: IntakeOutcome): Promise<number | void> {
    if (this.leases && !this.leases.holds(p)) {
      // Fenced: past its lease's deadline (this gateway was frozen or stalled), so another gateway may own
      // the partition now. Neither handled nor acknowledged nor refused (a nak would redeliver it to the
      // owner while it may be handling it): the owner gets it once ack_wait has passed.
      this.fenced.inc({ receiver: this.settings.id.toString(), signal }, 1);
      this.settings.telemetry.refusedRequest(signal, TRANSPORT, 'fenced');
      outcome.failed('fenced', 'left to the partition\'s owner: this gateway\'s lease on it ran out');
      this.settings.logger.warn({ partition: p, signal, seq: m.seq }, 'Left a JetStream message to the partition\'s owner: this gateway\'s lease on it ran out (it was frozen or stalled).');
      return;
    }
    const otlp = OTLP_SIGNALS[signal];
    let decoded;
    try {
      decoded = otlp.decodeProto(m.data, this.interner);
    } catch (error) {
      this.settings.telemetry.refusedRequest(signal, TRANSPORT, 'invalid');
      this.settings.logger.error({ signal, subject: m.subject, seq: m.seq, err: (error as Error).message }, 'Dropped an undecodable JetStream message.');
      outcome.failed('invalid', (error as Error).message);
      m.term();
      return m.data.length;
    }
    const items = otlp.count(decoded.batch);
    if (decoded.rejected > 0) this.settings.telemetry.refused(signal, TRANSPORT, decoded.rejected, 'invalid');
    try {
      if (items > 0) await this.consume(signal, decoded.batch);
    } catch (error) {
      const refusal = ConsumerError.from(error);
      this.settings.telemetry.refused(signal, TRANSPORT, items, refusal.retryable ? 'backpressure' : 'rejected');
      outcome.failed(refusal.retryable ? 'backpressure' : 'rejected', refusal.message);
      if (refusal.retryable) m.nak(refusal.retryAfterMs ?? 1000);
      else m.term();
      return m.data.length;
    }
    this.settings.telemetry.accepted(signal, TRANSPORT, items);
    // Acknowledged and confirmed by the server, so a restart right after cannot see it again.
    await m.ackAck().catch(() => undefined);
    return m.data.length;
  }

  private consume(signal: Signal, batch: OtlpBatch): Promise<void> {
    if (signal === 'metrics') return this.next.metrics!.consumeMetrics(batch as MetricsBatch);
    if (signal === 'traces') return this.next.traces!.consumeTraces(batch as TracesBatch);
    return this.next.logs!.consumeLogs(batch as LogsBatch);
  }
}
