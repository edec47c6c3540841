import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { boundAddress, closeNow, listenOn } from '../config/listen.ts';
import type { ComponentStatus } from '../pipeline/health.ts';
import type { SelfMetrics } from '../telemetry/self-metrics.ts';
import { renderStatusPage } from './status-page.ts';

export interface AdminOptions {
  endpoint: string;
  version: string;
  startedAt: Date;
  health: () => ComponentStatus[];
  /** Every component of the current pipelines runs, and the gateway is not stopping. */
  ready: () => boolean;
  /** The gateway is draining its pipelines before it exits. */
  stopping?: () => boolean;
  selfMetrics: SelfMetrics;
  logger: Logger;
  configFiles: () => readonly string[];
}

/**
 * The on-call's port (13133): health for probes, the gateway's own metrics, a status page. `/health`
 * answers as the Collector's health_check extension on this port does: 200 when ready, 503 while
 * starting, reloading or stopping; `/health/live` is the liveness probe (200 while the process serves).
 */
export class AdminServer {
  private server: Server | undefined;

  constructor(private readonly options: AdminOptions) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.options.logger.error({ err: error }, 'Admin request failed.');
        if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      });
    });
    await listenOn(server, this.options.endpoint, ['endpoint']);
    this.server = server;
  }

  endpoint(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) return this.options.endpoint;
    return boundAddress(address);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await closeNow(server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    const o = this.options;
    const uptimeSeconds = Math.round((Date.now() - o.startedAt.getTime()) / 1000);
    switch (path) {
      case '/health': {
        const ready = o.ready();
        const status = ready ? 'ok' : o.stopping?.() ? 'stopping' : 'starting';
        return json(res, ready ? 200 : 503, { status, version: o.version, uptime_seconds: uptimeSeconds, started_at: o.startedAt.toISOString() });
      }
      case '/health/live':
        return json(res, 200, { status: 'alive' });
      case '/health/ready': {
        if (o.ready()) {
          // A running component with an error (a backend refusing its key) is named, and the gateway stays
          // ready: taking it out of the load balancer would stop every other pipeline too.
          const degraded = o.health().filter((s) => s.lastError).map((s) => `${s.kind} ${s.id}: ${s.lastError!.message}`);
          return json(res, 200, degraded.length > 0 ? { status: 'ready', degraded } : { status: 'ready' });
        }
        if (o.stopping?.()) return json(res, 503, { status: 'not ready', reason: 'stopping' });
        const waiting = o.health().filter((s) => s.state !== 'running').map((s) => `${s.kind} ${s.id}: ${s.state}`);
        return json(res, 503, { status: 'not ready', waiting });
      }
      case '/health/detailed': {
        const ready = o.ready();
        const ok = ready && o.health().every((s) => !s.lastError);
        return json(res, ready ? 200 : 503, { status: ok ? 'ok' : 'degraded', version: o.version, uptime_seconds: uptimeSeconds, config_files: o.configFiles(), components: o.health() });
      }
      case '/metrics': {
        const { body, contentType } = await o.selfMetrics.render();
        return send(res, 200, contentType, body);
      }
      case '/':
      case '/status':
        return send(res, 200, 'text/html; charset=utf-8', renderStatusPage({ version: o.version, uptimeSeconds, ready: o.ready(), components: o.health() }));
      default:
        return send(res, 404, 'text/plain', `no such page: ${path}\n`);
    }
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', `${JSON.stringify(body, null, 2)}\n`);
}
