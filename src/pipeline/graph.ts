import type { Logger } from 'pino';
import type { Component, CreateSettings, Exporter, ListenerHandover, ProcessorFactory, WorkerPlacement } from '../component/component.ts';
import type { LogsConsumer, MetricsConsumer, SignalConsumers, TracesConsumer } from '../consumer/consumer.ts';
import { fanOutLogs, fanOutMetrics, fanOutTraces } from '../consumer/fanout.ts';
import { ConfigError, locateFault } from '../config/errors.ts';
import type { ComponentConfig, GatewayConfig, PipelineConfig } from '../config/resolve.ts';
import type { Signal } from '../model/common.ts';
import { componentTelemetry } from '../telemetry/component-telemetry.ts';
import type { SelfMetrics } from '../telemetry/self-metrics.ts';
import type { ComponentState, HealthRegistry } from './health.ts';
import { EdgeMeters, meteredLogs, meteredTraces } from './edge-meters.ts';
import { TapRegistry } from './tap.ts';

interface Node {
  key: string;
  kind: string;
  component: Component;
  located: ComponentConfig['located'];
  setState(state: ComponentState): void;
}

/** One running pipeline's stages, in data order. */
export interface PipelineTopology {
  id: string;
  signal: Signal;
  receivers: string[];
  processors: string[];
  exporters: string[];
}

export interface GraphContext {
  logger: Logger;
  selfMetrics: SelfMetrics;
  health: HealthRegistry;
  /**
   * Which part of the graph this thread runs. `all` (the default): everything. With `--workers N`, the
   * main thread runs the receivers only (`forward`: what they accept goes to the workers), and each
   * worker everything else (`inbound`: its receivers' places are taken by consumers the main thread feeds;
   * `originsLost`: a receiver's lost origins go to the workers, whose graphs forget them, `forgetOriginsOf`).
   */
  part?:
    | { run: 'all' }
    | { run: 'receivers'; forward(receiverKey: string, signals: Signal[]): SignalConsumers; originsLost(receiverKey: string, origins: readonly string[]): void }
    | { run: 'pipelines'; worker: WorkerPlacement };
}

/**
 * The running pipelines: built from the config downstream first (a stage needs its next consumer),
 * started in that same order so nothing receives before its consumers run, and shut down in reverse
 * so receivers stop first and every later stage drains what it accepted.
 */
export class PipelineGraph {
  private readonly nodes: Node[] = [];
  private readonly exporters = new Map<string, Exporter>();
  private readonly connectors = new Map<string, Exporter>();
  private readonly entries = new Map<string, Stage>();
  private readonly building = new Set<string>();
  private readonly inbound = new Map<string, SignalConsumers>();
  /** Each pipeline's processors, exporters and connectors, by pipeline key: whom a receiver's `originsLost` reaches. */
  private readonly parts = new Map<string, { components: Component[]; connectors: string[] }>();
  private started: Node[] = [];
  /** Where `switchyard tap` can watch the metrics pipelines' points. */
  readonly taps = new TapRegistry();
  /** What passed each place of every pipeline, counted while the status page reads it. */
  readonly meters = new EdgeMeters();

  private readonly pipelines: PipelineConfig[];

  constructor(
    private readonly config: GatewayConfig,
    private readonly ctx: GraphContext,
  ) {
    const part = ctx.part ?? { run: 'all' };
    // With workers the main thread says which pipelines are off, once; each worker works it out silently.
    this.pipelines = activePipelines(config, part.run === 'pipelines' ? undefined : ctx.logger);
    if (part.run !== 'receivers') for (const p of this.pipelines) this.pipelineEntry(p);
    for (const [key, rc] of config.receivers) {
      const pipelines = this.pipelines.filter((p) => p.receivers.includes(key));
      if (pipelines.length === 0) continue;
      if (part.run === 'pipelines') {
        this.inbound.set(key, this.consumersOf(pipelines, key));
        continue;
      }
      const next = part.run === 'receivers' ? part.forward(key, [...new Set(pipelines.map((p) => p.signal))]) : this.consumersOf(pipelines, key);
      const originsLost = part.run === 'receivers' ? (origins: readonly string[]) => part.originsLost(key, origins) : (origins: readonly string[]) => this.forgetOrigins(pipelines, origins);
      this.add(rc, pipelines.map((p) => p.key), (s) => rc.factory.create({ ...s, originsLost }, rc.config, next));
    }
  }

  /** In a worker: the consumers that receiver `key` feeds (undefined when it feeds no running pipeline). */
  inboundOf(key: string): SignalConsumers | undefined {
    return this.inbound.get(key);
  }

  /** In a worker: receiver `key` (run by the main thread) lost `origins`; its pipelines forget them as `originsLost` does in one thread. */
  forgetOriginsOf(key: string, origins: readonly string[]): void {
    this.forgetOrigins(this.pipelines.filter((p) => p.receivers.includes(key)), origins);
  }

  /** Running exporters that serve a scrape page, by exporter ID. */
  scrapeable(): Map<string, Exporter & { scrape: NonNullable<Exporter['scrape']> }> {
    const out = new Map<string, Exporter & { scrape: NonNullable<Exporter['scrape']> }>();
    for (const [key, e] of this.exporters) if (e.scrape) out.set(key, e as Exporter & { scrape: NonNullable<Exporter['scrape']> });
    return out;
  }

  /** The running pipelines (those left on by their exporters' configs). */
  activePipelines(): readonly PipelineConfig[] {
    return this.pipelines;
  }

  /**
   * Starts every component, downstream first. `handovers` (a reload): the listeners the previous
   * pipelines left bound, by component key; a component of the same key that can takes its own, and
   * on a failed start they are handed back into the map (the failed component's as well).
   */
  async start(handovers?: Map<string, ListenerHandover>): Promise<void> {
    for (const node of this.nodes) {
      const handover = handovers?.get(node.key);
      if (handover && node.component.takeOver) {
        handovers!.delete(node.key);
        node.component.takeOver(handover);
      }
      node.setState('starting');
      try {
        await node.component.start();
      } catch (error) {
        node.setState('failed');
        // What it was handed and still holds goes back too (a listener that could not move stays bound).
        const c = node.component;
        if (handovers && c.handOver) await c.handOver().then((h) => handovers.set(node.key, h), () => undefined);
        await this.shutdown(handovers);
        throw locateFault(error, node.located);
      }
      node.setState('running');
      // As the Collector's "Component started." at debug: which ones run, start and every reload.
      this.ctx.logger.debug({ component: node.key, kind: node.kind }, 'Component started.');
      this.started.push(node);
    }
  }

  /**
   * Shuts down every started component, upstream first, so each stage drains into the next; every
   * error is collected. With `handovers` (a reload) components that can leave their listeners bound
   * for their successors, in the map by component key.
   */
  async shutdown(handovers?: Map<string, ListenerHandover>): Promise<void> {
    this.taps.closeAll('the pipelines stopped (a shutdown or a reload)');
    this.meters.stop();
    const errors: unknown[] = [];
    for (const node of this.started.reverse()) {
      node.setState('stopping');
      try {
        const c = node.component;
        if (handovers && c.handOver) handovers.set(node.key, await c.handOver());
        else await c.shutdown();
        node.setState('stopped');
      } catch (error) {
        node.setState('failed');
        errors.push(error);
      }
    }
    this.started = [];
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} component(s) failed to shut down`);
  }

  private add<C extends Component>(cc: ComponentConfig, pipelines: string[], create: (s: CreateSettings) => C, pipelineLabel = ''): C {
    const tracked = this.ctx.health.track(cc.key, cc.factory.kind, pipelines);
    const settings: CreateSettings = {
      id: cc.id,
      logger: this.ctx.logger.child({ component: cc.key, kind: cc.factory.kind, ...(pipelineLabel ? { pipeline: pipelineLabel } : {}) }),
      telemetry: componentTelemetry(this.ctx.selfMetrics, cc.key, pipelineLabel),
      health: tracked,
      ...(this.ctx.part?.run === 'pipelines' ? { worker: this.ctx.part.worker } : {}),
    };
    const component = create(settings);
    this.nodes.push({ key: cc.key, kind: cc.factory.kind, component, located: cc.located, setState: tracked.setState });
    return component;
  }

  /**
   * A receiver lost `origins`: every component downstream of `pipelines` (their processors and exporters,
   * and through a connector the pipelines it feeds) that keeps state per origin forgets theirs. With
   * `--workers N` this runs in each worker (`forgetOriginsOf`), where the pipelines are.
   */
  private forgetOrigins(pipelines: readonly PipelineConfig[], origins: readonly string[]): void {
    const lost = new Set(origins);
    const seen = new Set<Component>();
    const queue = [...new Set(pipelines.map((p) => p.key))];
    for (let i = 0; i < queue.length; i++) {
      const key = queue[i]!;
      const part = this.parts.get(key);
      if (!part) continue;
      for (const c of part.components) {
        if (seen.has(c)) continue;
        seen.add(c);
        try {
          c.forgetOrigins?.(lost);
        } catch (error) {
          this.ctx.logger.error({ pipeline: key, err: (error as Error).message }, 'A component failed to forget the state of lost origins.');
        }
      }
      for (const connector of part.connectors) for (const p of this.pipelines) if (p.receivers.includes(connector) && !queue.includes(p.key)) queue.push(p.key);
    }
  }

  /** The first consumer of a pipeline: its first processor, or the fan-out to its exporters. */
  private pipelineEntry(p: PipelineConfig): Stage {
    const done = this.entries.get(p.key);
    if (done) return done;
    if (this.building.has(p.key)) {
      throw new ConfigError([p.located.source.issue(p.located.path, `pipeline "${p.key}" feeds itself through its connectors (a cycle)`)]);
    }
    this.building.add(p.key);
    // Places between the stages (tap sites in a metrics pipeline): after P[i] is also before P[i+1].
    const site = (names: string[], stage: Stage): Stage => this.place(p, names, stage);
    const part = { components: [] as Component[], connectors: p.exporters.filter((key) => this.config.connectors.has(key)) };
    const targets = p.exporters.map((key) => {
      const exporter = this.exporter(key);
      part.components.push(exporter as Exporter);
      return site([`before ${key}`], exporter);
    });
    let next: Stage = fanOut(p.signal, targets);
    if (p.signal === 'metrics') this.taps.setOrder(p.key, tapOrder(p));
    for (let i = p.processors.length - 1; i >= 0; i--) {
      const key = p.processors[i]!;
      const pc = this.config.processors.get(key)!;
      const after = site(i + 1 < p.processors.length ? [`after ${key}`, `before ${p.processors[i + 1]}`] : [`after ${key}`], next);
      const processor = this.add(pc, [p.key], (s) => createProcessor(pc, s, p.signal, after), p.key);
      part.components.push(processor);
      next = processor;
    }
    // In data order (processors first, then exporters): a stage that holds data back sends it on before
    // the stages after it forget.
    part.components.reverse();
    this.parts.set(p.key, part);
    if (p.processors.length > 0) next = site([`before ${p.processors[0]}`], next);
    this.building.delete(p.key);
    this.entries.set(p.key, next);
    return next;
  }

  /** A place of pipeline `p` in front of `stage`: metered, and in a metrics pipeline a tap site. */
  private place(p: PipelineConfig, names: string[], stage: Stage): Stage {
    const meter = this.meters.meter(p.key, names);
    switch (p.signal) {
      case 'metrics':
        return this.taps.site(p.key, names, stage as MetricsConsumer, meter);
      case 'traces':
        return meteredTraces(stage as TracesConsumer, meter);
      case 'logs':
        return meteredLogs(stage as LogsConsumer, meter);
    }
  }

  /** The pipelines as they run (those the config leaves off left out), for the status page. */
  topology(): PipelineTopology[] {
    return this.pipelines.map((p) => ({ id: p.key, signal: p.signal, receivers: [...p.receivers], processors: [...p.processors], exporters: [...p.exporters] }));
  }

  /** The IDs of the connectors the running pipelines use. */
  connectorIds(): string[] {
    return [...this.connectors.keys()];
  }

  private exporter(key: string): Stage {
    const ec = this.config.exporters.get(key);
    if (ec) {
      let exporter = this.exporters.get(key);
      if (!exporter) {
        const pipelines = this.pipelines.filter((p) => p.exporters.includes(key)).map((p) => p.key);
        exporter = this.add(ec, pipelines, (s) => ec.factory.create(s, ec.config));
        this.exporters.set(key, exporter);
      }
      return exporter;
    }
    const cc = this.config.connectors.get(key)!;
    let connector = this.connectors.get(key);
    if (!connector) {
      const downstream = this.pipelines.filter((p) => p.receivers.includes(key));
      const next = this.consumersOf(downstream, key);
      const pipelines = this.pipelines.filter((p) => p.exporters.includes(key) || p.receivers.includes(key)).map((p) => p.key);
      connector = this.add(cc, pipelines, (s) => cc.factory.create(s, cc.config, next));
      this.connectors.set(key, connector);
    }
    return connector;
  }

  /** What a receiver (or connector) `from` feeds: each pipeline's entry, behind a tap site `after from`. */
  private consumersOf(pipelines: PipelineConfig[], from: string): SignalConsumers {
    const entry = (p: PipelineConfig): Stage => this.place(p, [`after ${from}`], this.pipelineEntry(p));
    const bySignal = (signal: Signal) => pipelines.filter((p) => p.signal === signal).map(entry);
    const metrics = bySignal('metrics') as MetricsConsumer[];
    // A pipeline with a processor that mutates gets a batch of its own where one is shared.
    const mutates = pipelines.filter((p) => p.signal === 'metrics').map((p) => p.processors.some((k) => this.config.processors.get(k)!.factory.mutatesData === true));
    const traces = bySignal('traces') as TracesConsumer[];
    const logs = bySignal('logs') as LogsConsumer[];
    return {
      ...(metrics.length ? { metrics: fanOutMetrics(metrics, mutates) } : {}),
      ...(traces.length ? { traces: fanOutTraces(traces) } : {}),
      ...(logs.length ? { logs: fanOutLogs(logs) } : {}),
    };
  }
}

/**
 * The pipelines as they run: receivers and exporters whose config leaves them off are left out, and a
 * pipeline left with no exporter or no receiver is off (so is one fed only by a connector whose pipelines are all off). Each is said
 * once in the log, so an operator sees why a backend gets nothing.
 */
function activePipelines(config: GatewayConfig, logger: Logger | undefined): PipelineConfig[] {
  const off = new Map<string, string>();
  for (const [key, c] of [...config.exporters, ...config.receivers]) {
    const reason = c.factory.disabledReason?.(c.config);
    if (reason) off.set(key, reason);
  }
  let pipelines = [...config.pipelines];
  for (let changed = true; changed; ) {
    changed = false;
    const next: PipelineConfig[] = [];
    for (const p of pipelines) {
      const exporters = p.exporters.filter((e) => !off.has(e) && (!config.connectors.has(e) || pipelines.some((q) => q !== p && q.receivers.includes(e))));
      const receivers = p.receivers.filter((r) => !off.has(r) && (!config.connectors.has(r) || pipelines.some((q) => q.exporters.includes(r))));
      if (exporters.length === 0 || receivers.length === 0) {
        const why = (exporters.length === 0 ? p.exporters : p.receivers).map((c) => off.get(c)).filter(Boolean);
        logger?.info({ pipeline: p.key, reasons: why }, `Pipeline ${p.key} is off: ${why.length ? why.join('; ') : 'nothing left to feed it or to send to'}.`);
        changed = true;
        continue;
      }
      for (const e of p.exporters.filter((x) => off.has(x))) logger?.info({ pipeline: p.key, exporter: e }, `Exporter ${e} is off in pipeline ${p.key}: ${off.get(e)}.`);
      for (const r of p.receivers.filter((x) => off.has(x))) logger?.info({ pipeline: p.key, receiver: r }, `Receiver ${r} is off in pipeline ${p.key}: ${off.get(r)}.`);
      next.push(exporters.length === p.exporters.length && receivers.length === p.receivers.length ? p : { ...p, exporters, receivers });
    }
    pipelines = next;
  }
  return pipelines;
}

/** A metrics pipeline's tap places in data order: after each receiver, around each processor, before each exporter. */
function tapOrder(p: PipelineConfig): string[] {
  return [...p.receivers.map((r) => `after ${r}`), ...p.processors.flatMap((k) => [`before ${k}`, `after ${k}`]), ...p.exporters.map((e) => `before ${e}`)];
}

/** A stage of a pipeline: it consumes the pipeline's signal (the config check guarantees which). */
type Stage = Partial<MetricsConsumer & TracesConsumer & LogsConsumer>;

function fanOut(signal: Signal, targets: Stage[]): Stage {
  switch (signal) {
    case 'metrics':
      return fanOutMetrics(targets as MetricsConsumer[]);
    case 'traces':
      return fanOutTraces(targets as TracesConsumer[]);
    case 'logs':
      return fanOutLogs(targets as LogsConsumer[]);
  }
}

/** A processor instance for one pipeline; its consume method is the pipeline's next stage. */
function createProcessor(pc: ComponentConfig<ProcessorFactory>, s: CreateSettings, signal: Signal, next: Stage): Exporter {
  const f = pc.factory;
  switch (signal) {
    case 'metrics':
      return f.createMetrics!(s, pc.config, next as MetricsConsumer);
    case 'traces':
      return f.createTraces!(s, pc.config, next as TracesConsumer);
    case 'logs':
      return f.createLogs!(s, pc.config, next as LogsConsumer);
  }
}
