import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { CreateSettings, Exporter } from '../../src/component/component.ts';
import { closeNow, listenOn } from '../../src/config/listen.ts';
import { countDataPoints, type MetricsBatch } from '../../src/model/metrics.ts';
import { CumulativeState } from '../../src/translate/cumulative-state.ts';
import { stateOptions } from '../../src/translate/translation-config.ts';
import type { PrometheusExporterConfig } from './config.ts';
import { acceptsGzip, CONTENT_TYPE, negotiate, serialize } from './serializer.ts';

/**
 * The `prometheus` exporter: keeps the latest cumulative value of every series in memory (consuming
 * is synchronous, so it needs no queue) and serves it on `/metrics` for Prometheus to scrape.
 */
export class PrometheusExporter implements Exporter {
  private readonly state: CumulativeState;
  private server: Server | undefined;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: PrometheusExporterConfig,
  ) {
    this.state = new CumulativeState(stateOptions(config, config.const_labels));
  }

  async consumeMetrics(batch: MetricsBatch): Promise<void> {
    const { typeConflicts } = this.state.apply(batch, Date.now());
    const points = countDataPoints(batch);
    if (typeConflicts > 0) {
      this.settings.telemetry.failed('metrics', typeConflicts, 'type_conflict');
      this.settings.logger.warn({ points: typeConflicts }, 'Dropped points whose Prometheus name already has another type.');
    }
    this.settings.telemetry.sent('metrics', points - typeConflicts);
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    const bound = await listenOn(server, this.config.endpoint, ['endpoint']);
    this.server = server;
    this.settings.health.setDetail('endpoint', bound);
  }

  async shutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await closeNow(server);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' && path !== '/') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('the metrics are at /metrics\n');
      return;
    }
    this.state.expire(Date.now(), this.config.metric_expiration);
    const format = negotiate(req.headers.accept, this.config.enable_open_metrics);
    const body = serialize(this.state.families.values(), format, this.config.send_timestamps);
    const headers: Record<string, string> = { 'Content-Type': CONTENT_TYPE[format] };
    if (acceptsGzip(req.headers['accept-encoding'])) {
      headers['Content-Encoding'] = 'gzip';
      res.writeHead(200, headers).end(gzipSync(body));
    } else {
      res.writeHead(200, headers).end(body);
    }
  }
}
