import type { CreateSettings, Exporter } from '../../src/component/component.ts';
import { ConsumerError } from '../../src/consumer/errors.ts';
import { QueuedSender } from '../../src/exporterhelper/queued-sender.ts';
import { SendError } from '../../src/exporterhelper/retry.ts';
import { SIGNAL_ROUTES, type RoutedItem } from '../../src/exporterhelper/routed-items.ts';
import { readClientTls, type ClientTls } from '../../src/listener/client-tls.ts';
import type { Signal } from '../../src/model/common.ts';
import type { LogsBatch } from '../../src/model/logs.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import type { TracesBatch } from '../../src/model/traces.ts';
import type { OtlpBatch } from '../../src/otlp/signals.ts';
import { HashRing } from '../../src/routing/index.ts';
import { routingRuleOf } from '../../src/exporterhelper/routing-config.ts';
import { defaultBackendPort, type LoadbalancingConfig } from './config.ts';
import type { OtlpClient } from './otlp-client.ts';
import { OtlpGrpcClient } from './otlp-grpc-client.ts';
import { OtlpHttpClient } from './otlp-http-client.ts';
import { BackendResolver, type Lookup } from './resolver.ts';

/** How often a leaving backend's queue is checked for being empty, so its sender can be closed. */
const DRAIN_CHECK_MS = 200;

interface Backend {
  name: string;
  client: OtlpClient;
  /** One queued sender per signal, made at its first item. */
  senders: Map<Signal, QueuedSender<RoutedItem>>;
}

/**
 * The `loadbalancing` exporter: each data point, span or log record goes, by its routing key on a
 * consistent-hash ring (src/routing), to one backend gateway over OTLP/HTTP or OTLP/gRPC (`transport`). Each backend has its own
 * queued sender per signal (queue, batching, retries). When a backend leaves the ring, it gets no new
 * items, and whatever its queues still hold is routed again at their next send attempt, to the key's
 * new owner: moved, never dropped. One ring for every signal: with `routing_key: service`, a service's
 * spans and metrics reach the same backend.
 */
export class LoadbalancingExporter implements Exporter {
  private readonly ring = new HashRing();
  private readonly backends = new Map<string, Backend>();
  /** Backends that left, still draining into the others. */
  private readonly leaving = new Set<Backend>();
  private readonly resolver: BackendResolver;
  private drainTimer: NodeJS.Timeout | undefined;
  /** `protocol.otlp.tls` as read at start (so re-read on every reload). */
  private tls: ClientTls | undefined;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: LoadbalancingConfig,
    lookup?: Lookup,
  ) {
    this.resolver = new BackendResolver(config.resolver, defaultBackendPort(config.protocol.otlp), settings.logger, (b) => this.setBackends(b), lookup);
  }

  async start(): Promise<void> {
    // Before any backend exists: a bad file fails the start at its YAML path.
    this.tls = readClientTls(this.config.protocol.otlp.tls, ['protocol', 'otlp', 'tls']);
    await this.resolver.start();
    this.settings.health.setDetail('backends', { toJSON: () => this.ring.list() });
  }

  /** The backends in the ring now. */
  get members(): string[] {
    return this.ring.list();
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

  private consume(signal: Signal, batch: OtlpBatch): void {
    this.route(signal, SIGNAL_ROUTES[signal].split(batch, routingRuleOf(this.config, signal)));
  }

  async shutdown(): Promise<void> {
    this.resolver.stop();
    if (this.drainTimer) clearInterval(this.drainTimer);
    this.drainTimer = undefined;
    const all = [...this.backends.values(), ...this.leaving];
    this.backends.clear();
    this.leaving.clear();
    await Promise.all(all.map((b) => this.closeBackend(b)));
  }

  /** Splits items by owner; room is checked in every owner's queue before any is accepted, so a refusal leaves nothing half-queued. */
  private route(signal: Signal, items: RoutedItem[]): void {
    if (items.length === 0) return;
    if (this.ring.size === 0) throw ConsumerError.retryable('the loadbalancing exporter has no backends (the resolver has not found any)', { retryAfterMs: 5000 });
    const byBackend = new Map<Backend, RoutedItem[]>();
    for (const item of items) {
      const backend = this.backends.get(this.ring.memberOf(item.key)!)!;
      let list = byBackend.get(backend);
      if (!list) byBackend.set(backend, (list = []));
      list.push(item);
    }
    const senders = [...byBackend].map(([backend, list]) => [this.senderOf(backend, signal), list] as const);
    for (const [sender, list] of senders) sender.assertRoom(list.length);
    for (const [sender, list] of senders) sender.accept(list);
  }

  private setBackends(names: string[]): void {
    const next = new Set(names);
    const added = names.filter((n) => !this.backends.has(n));
    const removed = [...this.backends.keys()].filter((n) => !next.has(n));
    if (added.length === 0 && removed.length === 0) return;
    for (const name of added) this.backends.set(name, this.createBackend(name));
    for (const name of removed) {
      const backend = this.backends.get(name)!;
      this.backends.delete(name);
      this.leaving.add(backend);
    }
    this.ring.set(names);
    this.settings.logger.info({ backends: this.ring.list(), added, removed }, 'Backends changed.');
    if (this.leaving.size > 0 && !this.drainTimer) {
      this.drainTimer = setInterval(() => void this.closeDrained(), DRAIN_CHECK_MS);
      this.drainTimer.unref();
    }
  }

  private createBackend(name: string): Backend {
    const otlp = this.config.protocol.otlp;
    const options = { timeoutMs: otlp.timeout, headers: otlp.headers, compression: otlp.compression, tls: this.tls };
    return { name, client: otlp.transport === 'grpc' ? new OtlpGrpcClient(name, options) : new OtlpHttpClient(name, options), senders: new Map() };
  }

  private senderOf(backend: Backend, signal: Signal): QueuedSender<RoutedItem> {
    let sender = backend.senders.get(signal);
    if (sender) return sender;
    const route = SIGNAL_ROUTES[signal];
    sender = new QueuedSender<RoutedItem>({ ...this.settings, logger: this.settings.logger.child({ backend: backend.name }) }, this.config.protocol.otlp, {
      signal,
      // Refused by the config schema (sending_queue.storage): items are never persisted.
      codec: { encode: () => Buffer.alloc(0), decode: () => [] },
      shardKey: (item) => item.key,
      send: async (items) => {
        if (this.backends.get(backend.name) !== backend) return this.reroute(signal, items);
        await backend.client.send(signal, route.encode(items));
      },
    });
    sender.start();
    backend.senders.set(signal, sender);
    return sender;
  }

  /** Items queued for a backend that left go to their keys' new owners; a failure here is retried by the old sender. */
  private reroute(signal: Signal, items: RoutedItem[]): void {
    try {
      this.route(signal, items);
    } catch (error) {
      throw new SendError(`cannot re-route ${items.length} ${signal} items: ${(error as Error).message}`, true, 'reroute');
    }
  }

  private async closeBackend(backend: Backend): Promise<void> {
    await Promise.all([...backend.senders.values()].map((s) => s.shutdown()));
    backend.client.close();
  }

  /** Closes the senders of backends that left once their queues are empty (everything re-routed). */
  private async closeDrained(): Promise<void> {
    for (const backend of [...this.leaving]) {
      if ([...backend.senders.values()].some((s) => s.pending > 0)) continue;
      this.leaving.delete(backend);
      await this.closeBackend(backend);
    }
    if (this.leaving.size === 0 && this.drainTimer) {
      clearInterval(this.drainTimer);
      this.drainTimer = undefined;
    }
  }
}
