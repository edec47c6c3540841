import type { Logger } from 'pino';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { FactoryRegistry } from './component/registry.ts';
import { AdminServer } from './admin/server.ts';
import { ConfigError, locateFault } from './config/errors.ts';
import { preflightListenerFiles } from './listener/preflight.ts';
import { configDigest, type ConfigVersion } from './config/config-version.ts';
import { loadConfig } from './config/load.ts';
import { resolveConfig, type GatewayConfig } from './config/resolve.ts';
import type { ListenerHandover, WorkerPlacement } from './component/component.ts';
import type { SignalConsumers } from './consumer/consumer.ts';
import type { Signal } from './model/common.ts';
import { PipelineGraph, type GraphContext } from './pipeline/graph.ts';
import { HealthRegistry, type ComponentStatus } from './pipeline/health.ts';
import type { OwnMetrics } from './telemetry/own-metrics.ts';
import type { OwnTraces } from './telemetry/own-traces.ts';
import { pullReaders } from './telemetry/config.ts';
import type { Resource } from '@opentelemetry/resources';
import { gatewayResource } from './telemetry/resource.ts';
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
}

/** The pipelines, run elsewhere (in worker threads) while this process runs the receivers and the admin server. */
export interface PipelineHost {
  /** Starts the pipelines of `config`, before any receiver starts. */
  start(config: GatewayConfig): Promise<void>;
  /** Called once the receivers stopped: the pipelines take the new config. Resolves to whether it took. */
  reload(config: GatewayConfig): Promise<boolean>;
  /** Called once the receivers stopped: the pipelines drain and stop. */
  shutdown(): Promise<void>;
  /** What receiver `receiverKey` hands its data to. */
  forward(receiverKey: string, signals: Signal[]): SignalConsumers;
  health(): ComponentStatus[];
  ready(): boolean;
  /** How many workers run the pipelines. */
  readonly count: number;
  /** Extra fields of `/health/detailed` (the workers). */
  details(): Record<string, unknown>;
  /** Each worker's own metrics, added to the main thread's on the admin `/metrics`. */
  selfMetrics(): Promise<MetricObjectWithValues<MetricValue<string>>[][]>;
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
  private ownMetrics: OwnMetrics | undefined;
  private ownTraces: OwnTraces | undefined;
  /** The resource of the gateway's own telemetry, set at start. */
  private resource: Resource | undefined;
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
      this.running = await this.startPipelines(config);
      return;
    }
    const host = this.options.host;
    if (host) this.selfMetrics.workerValues = () => host.selfMetrics();
    const admin = new AdminServer({
      endpoint: config.admin.endpoint,
      auth: config.admin.auth,
      tls: config.admin.tls,
      version: VERSION,
      startedAt: this.startedAt,
      health: () => [...(this.health?.all() ?? []), ...(host?.health() ?? [])],
      ready: () => !this.stopping && (this.health?.ready() ?? false) && (host?.ready() ?? true),
      ...(host ? { details: () => host.details() } : {}),
      stopping: () => this.stopping,
      selfMetrics: this.selfMetrics,
      logger: this.options.logger.child({ component: 'admin' }),
      configFiles: () => this.running?.config.files ?? [],
      taps: () => this.running?.graph.taps,
      pipelines: () => this.running?.graph,
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
    const instance = this.resource?.attributes['service.instance.id'];
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

  /** `service.telemetry`: the gateway's resource, then its metrics readers. */
  private async startOwnTelemetry(config: GatewayConfig): Promise<void> {
    const telemetry = config.telemetry.config;
    const resource = gatewayResource(telemetry.resource);
    this.resource = resource;
    const logger = this.options.logger.child({ component: 'telemetry' });
    // The SDK's readers and exporters load only when configured: a gateway without them starts as fast as before.
    if (telemetry.traces.level !== 'none' && telemetry.traces.processors.length > 0) {
      const { OwnTraces } = await import('./telemetry/own-traces.ts');
      this.ownTraces = new OwnTraces(telemetry, resource, logger);
      this.selfMetrics.tracer = this.ownTraces.start();
    }
    if (telemetry.metrics.level === 'none' || (telemetry.metrics.readers.length === 0 && pullReaders(telemetry).length === 0)) return;
    const { OwnMetrics } = await import('./telemetry/own-metrics.ts');
    const ownMetrics = new OwnMetrics(telemetry, this.selfMetrics, resource, logger);
    this.ownMetrics = ownMetrics;
    try {
      await ownMetrics.start();
    } catch (error) {
      throw locateFault(error, config.telemetry.located);
    }
  }

  private async stopOwnTelemetry(): Promise<void> {
    this.selfMetrics.tracer = undefined;
    await Promise.all([this.ownMetrics?.shutdown(), this.ownTraces?.shutdown()]);
    this.ownMetrics = undefined;
    this.ownTraces = undefined;
  }

  private async startPipelines(config: GatewayConfig, handovers?: Map<string, ListenerHandover>): Promise<Running> {
    const health = new HealthRegistry();
    this.health = health;
    const { host, worker } = this.options;
    const part: GraphContext['part'] = worker ? { run: 'pipelines', worker } : host ? { run: 'receivers', forward: (key, signals) => host.forward(key, signals) } : { run: 'all' };
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
    try {
      this.admin?.reloadSecurity(config.admin);
    } catch (error) {
      const located = locateFault(error, config.admin.located);
      log.error({ err: located }, 'Reload refused: the admin server cannot use its new auth or TLS settings; the running pipelines are unchanged.');
      return this.reloaded({ error: located });
    }
    const old = this.running!;
    if (JSON.stringify(config.telemetry.config) !== JSON.stringify(old.config.telemetry.config)) {
      log.warn('service.telemetry changed: the gateway\'s own telemetry keeps its settings until the next restart.');
    }
    // Listeners stay bound through the swap (requests arriving meanwhile wait), once the old pipelines drained.
    const handovers = new Map<string, ListenerHandover>();
    await old.graph.shutdown(handovers);
    try {
      return await this.swapPipelines(old, config, handovers);
    } finally {
      // Listeners no new receiver took (a changed address or TLS, a receiver gone): closed now.
      await Promise.all([...handovers.values()].map((h) => h.close()));
    }
  }

  private async swapPipelines(old: Running, config: GatewayConfig, handovers: Map<string, ListenerHandover>): Promise<boolean> {
    const log = this.options.logger;
    const host = this.options.host;
    if (host && !(await host.reload(config))) {
      log.error('Reload failed in the workers, which went back to the previous configuration; the receivers restart with it.');
      this.running = await this.startPipelines(old.config, handovers);
      return this.reloaded({ error: new Error('the workers refused the new configuration') });
    }
    try {
      this.running = await this.startPipelines(config, handovers);
      // A worker's own line differs: "Configuration reloaded." is the gateway's, once, with its endpoints.
      if (this.options.worker) log.info({ files: config.files }, 'Worker pipelines reloaded.');
      else log.info({ files: config.files, endpoints: this.endpoints() }, 'Configuration reloaded.');
      return this.reloaded({ config });
    } catch (error) {
      log.error({ err: error }, 'Reload failed while starting the new pipelines; restarting the previous configuration.');
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
    this.ownMetrics?.pullEndpoints().forEach((endpoint, i) => (out[`telemetry.metrics.pull${i === 0 ? '' : `/${i}`}`] = endpoint));
    return out;
  }
}
