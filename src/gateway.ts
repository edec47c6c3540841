import type { Logger } from 'pino';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { FactoryRegistry } from './component/registry.ts';
import { AdminServer } from './admin/server.ts';
import { ConfigError, locateFault } from './config/errors.ts';
import { preflightListenerFiles } from './listener/preflight.ts';
import { freeMovedPorts } from './listener/moved-ports.ts';
import { boundEndpoints } from './config/endpoints.ts';
import { configDigest, type ConfigVersion } from './config/config-version.ts';
import { loadConfig } from './config/load.ts';
import { resolveConfig, type GatewayConfig } from './config/resolve.ts';
import type { ListenerHandover, WorkerPlacement } from './component/component.ts';
import type { SignalConsumers } from './consumer/consumer.ts';
import type { Signal } from './model/common.ts';
import { PipelineGraph, type GraphContext } from './pipeline/graph.ts';
import { HealthRegistry, type ComponentStatus } from './pipeline/health.ts';
import { registrySource, type TapSource } from './pipeline/tap.ts';
import { applyLogSettings } from './telemetry/logger.ts';
import type { WireSpan } from './telemetry/forwarded-spans.ts';
import { OwnTelemetry, type TelemetryChange } from './telemetry/own-telemetry.ts';
import { SelfMetrics } from './telemetry/self-metrics.ts';
import { VERSION } from './version.ts';

export interface GatewayOptions {
  configFile: string;
  registry: FactoryRegistry;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** `--workers N`, main thread: the workers that run the pipelines; this process runs the receivers. */
  host?: PipelineHost;
  /** `--workers N`, worker thread: which worker this is; it runs the pipelines, no admin server and no receivers. */
  worker?: WorkerPlacement;
  /** Worker thread: where its own spans go (the main thread, which exports them with its resource). */
  forwardSpans?: (spans: WireSpan[]) => void;
}

/** The pipelines, run elsewhere (in worker threads) while this process runs the receivers and the admin server. */
export interface PipelineHost {
  /** Starts the pipelines of `config`, before any receiver starts. */
  start(config: GatewayConfig): Promise<void>;
  /**
   * Called once the receivers stopped: the pipelines take the new config. Resolves to whether it took;
   * throws, having changed nothing, when the new config cannot be served (a scrape port in use).
   */
  reload(config: GatewayConfig): Promise<boolean>;
  /** Called once the receivers stopped: the pipelines drain and stop. */
  shutdown(): Promise<void>;
  /** What receiver `receiverKey` hands its data to. */
  forward(receiverKey: string, signals: Signal[]): SignalConsumers;
  /** Receiver `receiverKey` lost `origins` (`CreateSettings.originsLost`): the pipelines forget their state. */
  originsLost(receiverKey: string, origins: readonly string[]): void;
  health(): ComponentStatus[];
  ready(): boolean;
  /** How many workers run the pipelines. */
  readonly count: number;
  /** Extra fields of `/health/detailed` (the workers). */
  details(): Record<string, unknown>;
  /** The workers' taps, merged: what `/tap` serves. */
  readonly taps: TapSource;
  /** What passed each place of the pipelines, over every worker: the status page's edges. */
  places(): Promise<Record<string, Record<string, number | null>>>;
  /** Each worker's own metrics, added to the main thread's on the admin `/metrics`. */
  selfMetrics(): Promise<MetricObjectWithValues<MetricValue<string>>[][]>;
  /** Has every worker send its health now (at most about a second's wait for a busy one). */
  refreshHealth(): Promise<void>;
  /** Where the workers' own spans go: the main thread's tracer exports them. */
  onSpans(sink: (spans: WireSpan[]) => void): void;
}

interface Running {
  config: GatewayConfig;
  graph: PipelineGraph;
  health: HealthRegistry;
}

/**
 * One gateway process: the admin server plus the pipelines of the current config. As the Collector
 * starts its health check before the pipelines, the admin server comes first: it answers live at once,
 * and ready only while every component of the current pipelines runs (not while they start, reload or
 * stop).
 */
export class Gateway {
  readonly selfMetrics: SelfMetrics;
  readonly startedAt = new Date();
  private running: Running | undefined;
  /** The health of the pipelines starting or running now (during a reload, the new ones). */
  private health: HealthRegistry | undefined;
  private stopping = false;
  private admin: AdminServer | undefined;
  /**
   * `service.telemetry`'s readers and tracer. In a worker thread only the tracer, whose spans the main
   * thread exports: the main thread reports for all.
   */
  private ownTelemetry: OwnTelemetry | undefined;
  private reloading: Promise<boolean> | undefined;
  private configVersion: ConfigVersion | undefined;

  constructor(private readonly options: GatewayOptions) {
    this.selfMetrics = new SelfMetrics({ processMetrics: !options.worker });
  }

  /** Throws ConfigError for a bad config (a port in use included), or the first component's start failure. */
  async start(): Promise<void> {
    const config = this.load();
    this.selfMetrics.level = config.telemetry.config.metrics.level;
    if (this.options.worker) {
      if (this.options.forwardSpans) await this.startOwnTelemetry(config);
      this.running = await this.startPipelines(config);
      return;
    }
    const host = this.options.host;
    if (host) {
      this.selfMetrics.workerValues = () => host.selfMetrics();
      host.onSpans((spans) => this.ownTelemetry?.receiveSpans(spans));
    }
    const admin = new AdminServer({
      endpoint: config.admin.endpoint,
      auth: config.admin.auth,
      tls: config.admin.tls,
      version: VERSION,
      startedAt: this.startedAt,
      health: () => [...(this.health?.all() ?? []), ...(host?.health() ?? [])],
      ready: () => !this.stopping && (this.health?.ready() ?? false) && (host?.ready() ?? true),
      ...(host ? { details: () => host.details(), refreshHealth: () => host.refreshHealth() } : {}),
      stopping: () => this.stopping,
      selfMetrics: this.selfMetrics,
      logger: this.options.logger.child({ component: 'admin' }),
      configFiles: () => this.running?.config.files ?? [],
      // With workers the main thread's graph runs only the receivers: taps and places are the workers'.
      taps: () => (!this.running ? undefined : host ? host.taps : registrySource(this.running.graph.taps)),
      pipelines: () => this.running?.graph,
      ...(host ? { places: () => host.places() } : {}),
      configVersion: () => this.configVersion,
    });
    try {
      await admin.start();
    } catch (error) {
      throw locateFault(error, config.admin.located);
    }
    this.admin = admin;
    try {
      await host?.start(config);
      await this.startOwnTelemetry(config);
      this.running = await this.startPipelines(config);
      this.configVersion = { generation: 1, digest: configDigest(config.files), loaded_at: new Date().toISOString(), files: config.files, last_reload: null };
    } catch (error) {
      this.admin = undefined;
      await this.stopOwnTelemetry();
      await host?.shutdown().catch(() => undefined);
      await admin.close();
      throw error;
    }
    const instance = this.ownTelemetry?.instanceId;
    this.options.logger.info({ version: VERSION, instance, admin: admin.endpoint(), endpoints: this.endpoints(), workers: host?.count ?? 1 }, 'Gateway started.');
  }

  /**
   * Loads the config again and swaps the pipelines. A config that does not validate, or whose new
   * pipelines fail to start, leaves the old pipelines running. Resolves to whether the new config took.
   */
  reload(): Promise<boolean> {
    this.reloading ??= this.doReload().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  /** Records a reload's outcome for the status page: a new generation when it took. */
  private reloaded(outcome: { config: GatewayConfig } | { error: unknown }): boolean {
    const time = new Date().toISOString();
    const v = this.configVersion;
    if ('config' in outcome) {
      const files = outcome.config.files;
      this.configVersion = { generation: (v?.generation ?? 0) + 1, digest: configDigest(files), loaded_at: time, files, last_reload: { time, ok: true } };
      return true;
    }
    const error = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    if (v) this.configVersion = { ...v, last_reload: { time, ok: false, error } };
    return false;
  }

  /** Not ready from the first moment; the pipelines drain, then the admin server closes. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    await this.reloading;
    const errors: unknown[] = [];
    await this.running?.graph.shutdown().catch((e: unknown) => errors.push(e));
    await this.options.host?.shutdown().catch((e: unknown) => errors.push(e));
    // After the pipelines drained: the last push carries their final counts and spans.
    await this.stopOwnTelemetry().catch((e: unknown) => errors.push(e));
    await this.admin?.close().catch((e: unknown) => errors.push(e));
    this.running = undefined;
    this.admin = undefined;
    if (errors.length > 0) throw new AggregateError(errors, 'shutdown failed');
  }

  private load(): GatewayConfig {
    const raw = loadConfig(this.options.configFile, this.options.env ?? process.env);
    return resolveConfig(raw, this.options.registry);
  }

  /** `service.telemetry`: the gateway's resource, metrics readers and tracer. */
  private async startOwnTelemetry(config: GatewayConfig): Promise<void> {
    const own = new OwnTelemetry(this.selfMetrics, this.options.logger.child({ component: 'telemetry' }), this.options.forwardSpans);
    this.ownTelemetry = own;
    try {
      await own.start(config.telemetry.config);
    } catch (error) {
      throw locateFault(error, config.telemetry.located);
    }
  }

  private async stopOwnTelemetry(): Promise<void> {
    await this.ownTelemetry?.shutdown();
  }

  /**
   * The settings of `service.telemetry` every process applies itself, a worker thread too: the metrics
   * level, and the logs' level, encoding and initial fields (at once, for every logger of the process).
   */
  private applyTelemetrySettings(config: GatewayConfig): void {
    const telemetry = config.telemetry.config;
    this.selfMetrics.level = telemetry.metrics.level;
    applyLogSettings(this.options.logger, this.options.env ?? process.env, telemetry.logs);
  }

  private async startPipelines(config: GatewayConfig, handovers?: Map<string, ListenerHandover>): Promise<Running> {
    const health = new HealthRegistry();
    this.health = health;
    const { host, worker } = this.options;
    const part: GraphContext['part'] = worker ? { run: 'pipelines', worker } : host ? { run: 'receivers', forward: (key, signals) => host.forward(key, signals), originsLost: (key, origins) => host.originsLost(key, origins) } : { run: 'all' };
    const graph = new PipelineGraph(config, { logger: this.options.logger, selfMetrics: this.selfMetrics, health, part });
    await graph.start(handovers);
    return { config, graph, health };
  }

  private async doReload(): Promise<boolean> {
    const log = this.options.logger;
    let config: GatewayConfig;
    try {
      config = this.load();
    } catch (error) {
      log.error({ err: error }, 'Reload refused: the new configuration is invalid; the running pipelines are unchanged.');
      return this.reloaded({ error });
    }
    // Every certificate, key and token file read before anything stops: a bad one refuses the reload.
    const unusable = preflightListenerFiles(config);
    if (unusable.length > 0) {
      const error = new ConfigError(unusable);
      log.error({ err: error }, 'Reload refused: a listener cannot use its certificate, key or token file; the running pipelines are unchanged.');
      return this.reloaded({ error });
    }
    // New pull ports bound first: a port in use refuses the reload before anything running changes.
    let telemetry: TelemetryChange | undefined;
    try {
      telemetry = await this.ownTelemetry?.prepare(config.telemetry.config);
    } catch (error) {
      const located = locateFault(error, config.telemetry.located);
      log.error({ err: located }, 'Reload refused: the gateway\'s own telemetry cannot use its new settings; the running configuration is unchanged.');
      return this.reloaded({ error: located });
    }
    try {
      this.admin?.reloadSecurity(config.admin);
    } catch (error) {
      await telemetry?.abort();
      const located = locateFault(error, config.admin.located);
      log.error({ err: located }, 'Reload refused: the admin server cannot use its new auth or TLS settings; the running pipelines are unchanged.');
      return this.reloaded({ error: located });
    }
    const old = this.running!;
    // Listeners stay bound through the swap (requests arriving meanwhile wait), once the old pipelines drained.
    const handovers = new Map<string, ListenerHandover>();
    await old.graph.shutdown(handovers);
    // A port the new config gives to another component (moved, swapped) is freed for it now.
    const freed = await freeMovedPorts(boundEndpoints(config), handovers);
    if (freed.length > 0) log.debug({ listeners: freed }, 'Closed listeners whose ports the new configuration gives to other components.');
    try {
      return await this.swapPipelines(old, config, handovers, telemetry);
    } finally {
      // Listeners no new receiver took (a changed address or TLS, a receiver gone): closed now.
      await Promise.all([...handovers.values()].map((h) => h.close()));
    }
  }

  private async swapPipelines(old: Running, config: GatewayConfig, handovers: Map<string, ListenerHandover>, telemetry: TelemetryChange | undefined): Promise<boolean> {
    const log = this.options.logger;
    const host = this.options.host;
    // A host that throws (a scrape port of the new config in use) changed nothing: as a refusal.
    const refusal = host && (await host.reload(config).then((ok) => (ok ? undefined : new Error('the workers refused the new configuration')), (error: unknown) => error));
    if (refusal) {
      await telemetry?.abort();
      log.error({ err: refusal }, 'Reload failed in the workers, which went back to the previous configuration; the receivers restart with it.');
      this.running = await this.startPipelines(old.config, handovers);
      return this.reloaded({ error: refusal });
    }
    try {
      // Before the new components start, so that what they log follows the new level and encoding.
      this.applyTelemetrySettings(config);
      this.running = await this.startPipelines(config, handovers);
      await telemetry?.commit();
      // A worker's own line differs: "Configuration reloaded." is the gateway's, once, with its endpoints.
      if (this.options.worker) log.info({ files: config.files }, 'Worker pipelines reloaded.');
      else log.info({ files: config.files, endpoints: this.endpoints() }, 'Configuration reloaded.');
      return this.reloaded({ config });
    } catch (error) {
      log.error({ err: error }, 'Reload failed while starting the new pipelines; restarting the previous configuration.');
      await telemetry?.abort();
      this.applyTelemetrySettings(old.config);
      this.running = await this.startPipelines(old.config, handovers);
      return this.reloaded({ error });
    }
  }

  /** The running pipeline graph (a worker serves its inbound consumers and scrape pages from it). */
  graph(): PipelineGraph | undefined {
    return this.running?.graph;
  }

  /** Lifecycle state of this process's components. */
  ready(): boolean {
    return this.health?.ready() ?? false;
  }

  componentStatuses(): ComponentStatus[] {
    return this.health?.all() ?? [];
  }

  /** Every address a component reported it listens on (`endpoint…` details), by component. */
  endpoints(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const status of [...(this.running?.health.all() ?? []), ...(this.options.host?.health() ?? [])]) {
      for (const [key, value] of Object.entries(status.details)) {
        if (key.startsWith('endpoint') && typeof value === 'string') out[`${status.id}${key.slice('endpoint'.length)}`] = value;
      }
    }
    if (this.admin) out.admin = this.admin.endpoint();
    this.ownTelemetry?.pullEndpoints().forEach((endpoint, i) => (out[`telemetry.metrics.pull${i === 0 ? '' : `/${i}`}`] = endpoint));
    return out;
  }
}
