import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { CreateSettings, Exporter, ListenerHandover, ScrapePage, ScrapeRequest } from '../../src/component/component.ts';
import { HttpHandover, openHttpListener, type HttpListener } from '../../src/listener/http-handover.ts';
import { refuseUnauthorized } from '../../src/listener/http-listener.ts';
import { loadListenerSecurity, type ListenerSecurity } from '../../src/listener/secrets.ts';
import { countDataPoints, type MetricsBatch } from '../../src/model/metrics.ts';
import { CumulativeState } from '../../src/translate/cumulative-state.ts';
import { stateOptions } from '../../src/translate/translation-config.ts';
import type { PrometheusExporterConfig } from './config.ts';
import { acceptsGzip, CONTENT_TYPE, negotiate, serialize } from './serializer.ts';

/**
 * What a `prometheus` exporter leaves its successor on a reload: its scrape listener and its series, which
 * the successor keeps when it would have made the same series of the same points (`stateKey`), so a
 * reload does not empty the page until every service has exported again.
 */
class ScrapeHandover extends HttpHandover {
  constructor(
    listener: HttpListener | undefined,
    readonly state: CumulativeState,
    readonly stateKey: string,
  ) {
    super(listener);
  }
}

/**
 * The `prometheus` exporter: keeps the latest cumulative value of every series in memory (consuming
 * is synchronous, so it needs no queue) and serves it on `/metrics` for Prometheus to scrape.
 */
export class PrometheusExporter implements Exporter {
  private state: CumulativeState;
  private readonly stateKey: string;
  private listener: HttpListener | undefined;
  /** The scrape listener the exporter of the same ID left bound on a reload. */
  private adopted: HttpHandover | undefined;
  private security: ListenerSecurity = { auth: undefined, tls: undefined };

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: PrometheusExporterConfig,
  ) {
    const options = stateOptions(config, config.const_labels);
    this.state = new CumulativeState(options);
    this.stateKey = JSON.stringify(options);
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

  /** A lost origin's series leave the page at once: the gateway that took their origin over serves them now. */
  forgetOrigins(origins: ReadonlySet<string>): void {
    this.state.forget(origins);
  }

  takeOver(handover: ListenerHandover): void {
    if (!(handover instanceof HttpHandover)) return;
    this.adopted = handover;
    // Series made by other translation settings would differ from the ones this one makes: start empty then.
    if (handover instanceof ScrapeHandover && handover.stateKey === this.stateKey) this.state = handover.state;
  }

  async start(): Promise<void> {
    const adopted = this.adopted?.take();
    this.adopted = undefined;
    // One of N workers: the main thread serves the endpoint, merging every worker's scrape().
    if (this.settings.worker) return adopted?.close();
    this.security = loadListenerSecurity(this.config, []);
    const refuseHeld = (_req: IncomingMessage, res: ServerResponse) => res.writeHead(503, { 'Retry-After': '1', Connection: 'close' }).end();
    try {
      this.listener = await openHttpListener({ endpoint: this.config.endpoint, tls: this.security.tls, options: {}, path: ['endpoint'], refuseHeld }, (req, res) => this.handle(req, res), adopted);
    } catch (error) {
      // Not bound anew: the old listener, still open, is what `handOver` gives back (a failed reload).
      if (adopted && !adopted.closed) this.listener = adopted;
      throw error;
    }
    this.settings.health.setDetail('endpoint', this.listener.address);
  }

  async shutdown(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    await listener?.close();
  }

  /**
   * A reload: the scrape port stays bound, scrapes arriving meanwhile wait for the next exporter of this
   * ID, which also gets the series served so far (series the new pipelines no longer make leave the page
   * after metric_expiration, as a stopped service's do).
   */
  async handOver(): Promise<ListenerHandover> {
    const listener = this.listener;
    this.listener = undefined;
    listener?.relay.detach();
    return new ScrapeHandover(listener, this.state, this.stateKey);
  }

  /**
   * The page a scrape gets, uncompressed. A pull exporter delivers when it is scraped: a page served is its
   * "last success" on the status page (with `--workers N`, each worker's part of the merged page counts).
   */
  scrape(request: ScrapeRequest): ScrapePage {
    this.state.expire(Date.now(), this.config.metric_expiration);
    const format = negotiate(request.accept, this.config.enable_open_metrics);
    // A pull exporter's delivery: the page a scrape gets (one send of the detailed-level histograms).
    const body = this.settings.telemetry.timedSend('metrics', () => serialize(this.state.families.values(), format, this.config.send_timestamps));
    const page = { body, contentType: CONTENT_TYPE[format], gzip: acceptsGzip(request.acceptEncoding) };
    this.settings.health.reportOk();
    return page;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (refuseUnauthorized(this.security.auth, req, res)) return;
    if (path !== '/metrics' && path !== '/') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('the metrics are at /metrics\n');
      return;
    }
    const { body, contentType, gzip } = this.scrape({ accept: req.headers.accept, acceptEncoding: req.headers['accept-encoding'] });
    const headers: Record<string, string> = { 'Content-Type': contentType };
    if (gzip) {
      headers['Content-Encoding'] = 'gzip';
      res.writeHead(200, headers).end(gzipSync(body));
    } else {
      res.writeHead(200, headers).end(body);
    }
  }
}
