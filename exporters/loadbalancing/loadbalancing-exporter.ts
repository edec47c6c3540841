import type { CreateSettings, Exporter } from '../../src/component/component.ts';
import { ConsumerError } from '../../src/consumer/errors.ts';
import { encodeMetricsRequest } from '../../src/exporterhelper/otlp-metrics-encoder.ts';
import { QueuedSender } from '../../src/exporterhelper/queued-sender.ts';
import { SendError } from '../../src/exporterhelper/retry.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import { HashRing } from '../../src/routing/index.ts';
import type { LoadbalancingConfig } from './config.ts';
import { OtlpHttpClient } from './otlp-http-client.ts';
import { batchOf, routedPoints, type RoutedPoint } from '../../src/exporterhelper/routed-points.ts';
import { BackendResolver, type Lookup } from './resolver.ts';

/** How often a leaving backend's queue is checked for being empty, so its sender can be closed. */
const DRAIN_CHECK_MS = 200;

interface Backend {
  name: string;
  sender: QueuedSender<RoutedPoint>;
}

/**
 * The `loadbalancing` exporter: each point goes, by its routing key on a consistent-hash ring
 * (src/routing), to one backend gateway over OTLP/HTTP. Each backend has its own queued sender (queue,
 * batching, retries). When a backend leaves the ring, it gets no new points, and whatever its queue
 * still holds is routed again at its next send attempt, to the key's new owner: moved, never dropped.
 */
export class LoadbalancingExporter implements Exporter {
  private readonly ring = new HashRing();
  private readonly backends = new Map<string, Backend>();
  /** Backends that left, still draining into the others. */
  private readonly leaving = new Set<Backend>();
  private readonly resolver: BackendResolver;
  private drainTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: LoadbalancingConfig,
    lookup?: Lookup,
  ) {
    this.resolver = new BackendResolver(config.resolver, config.protocol.otlp.default_port, settings.logger, (b) => this.setBackends(b), lookup);
  }

  async start(): Promise<void> {
    await this.resolver.start();
    this.settings.health.setDetail('backends', { toJSON: () => this.ring.list() });
  }

  /** The backends in the ring now. */
  get members(): string[] {
    return this.ring.list();
  }

  async consumeMetrics(batch: MetricsBatch): Promise<void> {
    this.route(routedPoints(batch, this.config.routing_key));
  }

  async shutdown(): Promise<void> {
    this.resolver.stop();
    if (this.drainTimer) clearInterval(this.drainTimer);
    this.drainTimer = undefined;
    const all = [...this.backends.values(), ...this.leaving];
    this.backends.clear();
    this.leaving.clear();
    await Promise.all(all.map((b) => b.sender.shutdown()));
  }

  /** Splits points by owner; room is checked in every owner's queue before any is accepted, so a refusal leaves nothing half-queued. */
  private route(points: RoutedPoint[]): void {
    if (points.length === 0) return;
    if (this.ring.size === 0) throw ConsumerError.retryable('the loadbalancing exporter has no backends (the resolver has not found any)', { retryAfterMs: 5000 });
    const byBackend = new Map<Backend, RoutedPoint[]>();
    for (const p of points) {
      const backend = this.backends.get(this.ring.memberOf(p.key)!)!;
      let list = byBackend.get(backend);
      if (!list) byBackend.set(backend, (list = []));
      list.push(p);
    }
    for (const [backend, list] of byBackend) backend.sender.assertRoom(list.length);
    for (const [backend, list] of byBackend) backend.sender.accept(list);
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
    const client = new OtlpHttpClient(name, { timeoutMs: otlp.timeout, headers: otlp.headers, compression: otlp.compression });
    const backend: Backend = {
      name,
      sender: new QueuedSender<RoutedPoint>({ ...this.settings, logger: this.settings.logger.child({ backend: name }) }, otlp, {
        // Refused by the config schema (sending_queue.storage): points are never persisted.
        codec: { encode: () => Buffer.alloc(0), decode: () => [] },
        shardKey: (p) => p.key,
        send: async (points) => {
          if (this.backends.get(name) !== backend) return this.reroute(points);
          await client.send(encodeMetricsRequest(batchOf(points)));
        },
      }),
    };
    backend.sender.start();
    return backend;
  }

  /** Points queued for a backend that left go to their keys' new owners; a failure here is retried by the old sender. */
  private reroute(points: RoutedPoint[]): void {
    try {
      this.route(points);
    } catch (error) {
      throw new SendError(`cannot re-route ${points.length} points: ${(error as Error).message}`, true, 'reroute');
    }
  }

  /** Closes the senders of backends that left once their queues are empty (everything re-routed). */
  private async closeDrained(): Promise<void> {
    for (const backend of [...this.leaving]) {
      if (backend.sender.pending > 0) continue;
      this.leaving.delete(backend);
      await backend.sender.shutdown();
    }
    if (this.leaving.size === 0 && this.drainTimer) {
      clearInterval(this.drainTimer);
      this.drainTimer = undefined;
    }
  }
}
