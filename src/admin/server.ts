import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ConfigFault } from '../component/component.ts';
import { boundAddress, closeNow, listenOn } from '../config/listen.ts';
import { redactSecrets } from '../config/secret-values.ts';
import type { ListenerAuthConfig, ListenerTlsConfig } from '../config/listener-security.ts';
import { createListenerServer, refuseUnauthorized, updateListenerTls } from '../listener/http-listener.ts';
import { loadListenerSecurity, type ListenerSecurity } from '../listener/secrets.ts';
import type { TapSource } from '../pipeline/tap.ts';
import { pageAsset } from './page-assets.ts';
import { readStatus, type StatusSource } from './status-route.ts';
import { serveTap } from './tap-route.ts';

/** `service.admin`'s own auth and TLS; read again on every reload. */
export interface AdminSecurity {
  auth?: ListenerAuthConfig;
  tls?: ListenerTlsConfig;
}

/** What probes need (`/health` is the Collector's health_check path), open unless `auth.probes: true`. */
const PROBES = new Set(['/health', '/health/live', '/health/ready']);

export interface AdminOptions extends AdminSecurity, StatusSource {
  endpoint: string;
  logger: Logger;
  configFiles: () => readonly string[];
  /** The taps of the pipelines running now (with `--workers N`, every worker's, merged). */
  taps?: () => TapSource | undefined;
  /** Extra fields of `/health/detailed` (with `--workers`: each worker's state and restarts). */
  details?: () => Record<string, unknown>;
}

/**
 * The on-call's port (13133): health for probes, the gateway's own metrics, a status page. `/health`
 * answers as the Collector's health_check extension on this port does: 200 when ready, 503 while
 * starting, reloading or stopping; `/health/live` is the liveness probe (200 while the process serves).
 */
export class AdminServer {
  private server: Server | undefined;
  private security: ListenerSecurity = { auth: undefined, tls: undefined };
  private guardProbes = false;

  constructor(private readonly options: AdminOptions) {}

  async start(): Promise<void> {
    this.applySecurity(this.options);
    const server = createListenerServer(this.security.tls, {}, (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.options.logger.error({ err: error }, 'Admin request failed.');
        if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      });
    });
    await listenOn(server, this.options.endpoint, ['endpoint']);
    this.server = server;
  }

  /**
   * A reload's new token and certificates (a rotated file, a new `auth`). Throws ConfigFault, leaving
   * the running ones in place, when a file cannot be read. Turning TLS on or off needs a restart.
   */
  reloadSecurity(security: AdminSecurity): void {
    if (Boolean(security.tls) !== Boolean(this.security.tls)) {
      throw new ConfigFault(['tls'], 'turning TLS on or off on the admin server needs a restart; the admin server keeps its current setting');
    }
    this.applySecurity(security);
    if (this.server && this.security.tls) updateListenerTls(this.server, this.security.tls);
  }

  private applySecurity(security: AdminSecurity): void {
    this.security = loadListenerSecurity(security, []);
    this.guardProbes = security.auth?.probes ?? false;
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
    const asset = pageAsset(path!);
    // The status page's own files hold no data; what it shows comes from /status.json, behind auth.
    if (asset) return send(res, 200, asset.type, asset.body);
    if (this.guardProbes || !PROBES.has(path!)) {
      const refusal = refuseUnauthorized(this.security.auth, req, res);
      if (refusal) return void this.options.selfMetrics.adminRefusedRequests.inc({ reason: refusal });
    }
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
        await o.refreshHealth?.();
        const ready = o.ready();
        const ok = ready && o.health().every((s) => !s.lastError);
        return json(res, ready ? 200 : 503, { status: ok ? 'ok' : 'degraded', version: o.version, uptime_seconds: uptimeSeconds, config_files: o.configFiles(), ...o.details?.(), components: o.health() });
      }
      case '/metrics': {
        const { body, contentType } = await o.selfMetrics.render();
        return send(res, 200, contentType, body);
      }
      case '/tap':
        return serveTap(req, res, o.taps?.(), (status, body) => json(res, status, body));
      case '/status.json':
        return send(res, 200, 'application/json', JSON.stringify(await readStatus(o)));
      default:
        return send(res, 404, 'text/plain', `no such page: ${path}\n`);
    }
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  // A component's last error may quote what a backend answered; no secret goes out with it.
  res.end(redactSecrets(body));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', `${JSON.stringify(body, null, 2)}\n`);
}
