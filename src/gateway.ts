import type { Logger } from 'pino';
import type { FactoryRegistry } from './component/registry.ts';
import { AdminServer } from './admin/server.ts';
import { locateFault } from './config/errors.ts';
import { configDigest, type ConfigVersion } from './config/config-version.ts';
import { loadConfig } from './config/load.ts';
import { resolveConfig, type GatewayConfig } from './config/resolve.ts';
import { PipelineGraph } from './pipeline/graph.ts';
import { HealthRegistry } from './pipeline/health.ts';
import { SelfMetrics } from './telemetry/self-metrics.ts';
import { VERSION } from './version.ts';

export interface GatewayOptions {
  configFile: string;
  registry: FactoryRegistry;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
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
  readonly selfMetrics = new SelfMetrics();
  readonly startedAt = new Date();
  private running: Running | undefined;
  /** The health of the pipelines starting or running now (during a reload, the new ones). */
  private health: HealthRegistry | undefined;
  private stopping = false;
  private admin: AdminServer | undefined;
  private reloading: Promise<boolean> | undefined;
  private configVersion: ConfigVersion | undefined;

  constructor(private readonly options: GatewayOptions) {}

  /** Throws ConfigError for a bad config (a port in use included), or the first component's start failure. */
  async start(): Promise<void> {
    const config = this.load();
    const admin = new AdminServer({
      endpoint: config.admin.endpoint,
      auth: config.admin.auth,
      tls: config.admin.tls,
      version: VERSION,
      startedAt: this.startedAt,
      health: () => this.health?.all() ?? [],
      ready: () => !this.stopping && (this.health?.ready() ?? false),
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
      this.running = await this.startPipelines(config);
      this.configVersion = { generation: 1, digest: configDigest(config.files), loaded_at: new Date().toISOString(), files: config.files, last_reload: null };
    } catch (error) {
      this.admin = undefined;
      await admin.close();
      throw error;
    }
    this.options.logger.info({ version: VERSION, admin: admin.endpoint(), endpoints: this.endpoints() }, 'Gateway started.');
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
    await this.admin?.close().catch((e: unknown) => errors.push(e));
    this.running = undefined;
    this.admin = undefined;
    if (errors.length > 0) throw new AggregateError(errors, 'shutdown failed');
  }

  private load(): GatewayConfig {
    const raw = loadConfig(this.options.configFile, this.options.env ?? process.env);
    return resolveConfig(raw, this.options.registry);
  }

  private async startPipelines(config: GatewayConfig): Promise<Running> {
    const health = new HealthRegistry();
    this.health = health;
    const graph = new PipelineGraph(config, { logger: this.options.logger, selfMetrics: this.selfMetrics, health });
    await graph.start();
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
    try {
      this.admin?.reloadSecurity(config.admin);
    } catch (error) {
      const located = locateFault(error, config.admin.located);
      log.error({ err: located }, 'Reload refused: the admin server cannot use its new auth or TLS settings; the running pipelines are unchanged.');
      return this.reloaded({ error: located });
    }
    const old = this.running!;
    await old.graph.shutdown();
    try {
      this.running = await this.startPipelines(config);
      log.info({ files: config.files, endpoints: this.endpoints() }, 'Configuration reloaded.');
      return this.reloaded({ config });
    } catch (error) {
      log.error({ err: error }, 'Reload failed while starting the new pipelines; restarting the previous configuration.');
      this.running = await this.startPipelines(old.config);
      return this.reloaded({ error });
    }
  }

  /** Every address a component reported it listens on (`endpoint…` details), by component. */
  endpoints(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const status of this.running?.health.all() ?? []) {
      for (const [key, value] of Object.entries(status.details)) {
        if (key.startsWith('endpoint') && typeof value === 'string') out[`${status.id}${key.slice('endpoint'.length)}`] = value;
      }
    }
    if (this.admin) out.admin = this.admin.endpoint();
    return out;
  }
}
