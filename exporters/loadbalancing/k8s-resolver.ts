import { readFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { ConfigFault } from '../../src/component/component.ts';
import { readFileAt } from '../../src/listener/secrets.ts';
import { backendName } from './backend-name.ts';

/** Where a pod finds its service account: the token (re-read at every request, it rotates), the cluster CA and its namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** How to reach the Kubernetes API from inside a pod (what client-go's in-cluster config reads). */
export interface KubernetesApi {
  /** `host:port` of the API server (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT). */
  server: string;
  /** Directory holding `token` and `ca.crt` (and `namespace`). */
  serviceAccountDir: string;
}

/**
 * The in-cluster API: KUBERNETES_SERVICE_HOST/PORT and the mounted service account.
 * SWITCHYARD_K8S_SERVICEACCOUNT_DIR replaces the mount's directory (tests, or a gateway run outside a pod with a copied token).
 */
export function inClusterApi(env: NodeJS.ProcessEnv = process.env): KubernetesApi {
  const host = env.KUBERNETES_SERVICE_HOST;
  const at = ['resolver', 'k8s'];
  if (!host) throw new ConfigFault(at, 'resolver.k8s needs the Kubernetes API, and KUBERNETES_SERVICE_HOST is unset (the gateway is not running in a pod); use resolver.dns with the headless Service name instead');
  const serviceAccountDir = env.SWITCHYARD_K8S_SERVICEACCOUNT_DIR ?? SERVICE_ACCOUNT_DIR;
  // Checked now, so a pod without its service account (automountServiceAccountToken: false) fails its start, located.
  for (const file of ['token', 'ca.crt']) readFileAt(`${serviceAccountDir}/${file}`, at);
  const server = `${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`;
  return { server, serviceAccountDir };
}

/** The parts of a discovery.k8s.io/v1 EndpointSlice this reads. */
interface EndpointSlice {
  metadata: { name: string; resourceVersion?: string };
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: { addresses: string[]; conditions?: { ready?: boolean } }[] | null;
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: EndpointSlice & { code?: number; message?: string };
}

/** Watch requests end server-side after this long; the next one continues from the last resourceVersion. */
const WATCH_SECONDS = 300;
/** Wait before listing again after a failure. */
const RETRY_MS = 1000;

/**
 * `resolver.k8s`: the ready endpoints of a Service's EndpointSlices (label
 * `kubernetes.io/service-name`), each address once per `ports` entry, as the Collector's k8s resolver
 * does. Lists the slices, then watches them from the list's resourceVersion; a watch that ends is
 * resumed, one that fails (410 Gone, a dropped connection) lists again after a second. As with DNS, a
 * failure keeps the last answer.
 */
export class K8sEndpointsWatcher {
  private readonly slices = new Map<string, EndpointSlice>();
  private resourceVersion = '';
  private stopped = false;
  private current: { destroy(): void } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly name: string;
  private readonly namespace: string;

  constructor(
    private readonly config: { service: string; ports: number[]; timeout: number },
    private readonly api: KubernetesApi,
    private readonly logger: Logger,
    private readonly onChange: (backends: string[]) => void,
  ) {
    const [name, namespace] = config.service.split('.', 2) as [string, string | undefined];
    this.name = name;
    this.namespace = namespace ?? this.ownNamespace();
  }

  /** Lists once (so the exporter starts with its backends), then watches in the background. */
  async start(): Promise<void> {
    const listed = await this.list().then(
      () => true,
      (error: unknown) => (this.warn(error), false),
    );
    if (listed) this.watch();
    else this.retry();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.current?.destroy();
  }

  private get path(): string {
    const selector = encodeURIComponent(`kubernetes.io/service-name=${this.name}`);
    return `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/endpointslices?labelSelector=${selector}`;
  }

  private async list(): Promise<void> {
    const res = await this.get(this.path, this.config.timeout);
    const body = JSON.parse((await readAll(res)).toString('utf8')) as { metadata?: { resourceVersion?: string }; items?: EndpointSlice[] };
    if (!Array.isArray(body.items)) throw new Error('the EndpointSlice list has no items');
    this.slices.clear();
    for (const slice of body.items) this.slices.set(slice.metadata.name, slice);
    this.resourceVersion = body.metadata?.resourceVersion ?? '';
    this.publish();
  }

  private watch(): void {
    if (this.stopped) return;
    const path = `${this.path}&watch=1&allowWatchBookmarks=true&timeoutSeconds=${WATCH_SECONDS}&resourceVersion=${encodeURIComponent(this.resourceVersion)}`;
    this.get(path, (WATCH_SECONDS + 30) * 1000).then(
      (res) => {
        let pending = '';
        let failed = false;
        const fail = (): void => {
          failed = true;
          res.destroy();
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          pending += chunk;
          const lines = pending.split('\n');
          pending = lines.pop()!;
          for (const line of lines) {
            if (failed || !line.trim()) continue;
            try {
              if (!this.apply(JSON.parse(line) as WatchEvent)) fail();
            } catch (error) {
              this.warn(error);
              fail();
            }
          }
        });
        res.on('error', (error) => {
          this.warn(error);
          failed = true;
        });
        // Ended by the server (timeoutSeconds): watch on from the last resourceVersion; failed: list again.
        res.on('close', () => (failed ? this.retry() : this.watch()));
      },
      (error: unknown) => (this.warn(error), this.retry()),
    );
  }

  /** One watch event; false when the watch must start over from a new list. */
  private apply(event: WatchEvent): boolean {
    if (event.type === 'ERROR') {
      // 410 Gone: the resourceVersion is too old to watch from; a new list fetches a fresh one.
      this.logger.info({ code: event.object.code, reason: event.object.message }, 'The EndpointSlice watch ended; listing again.');
      return false;
    }
    this.resourceVersion = event.object.metadata.resourceVersion ?? this.resourceVersion;
    if (event.type === 'BOOKMARK') return true;
    if (event.type === 'DELETED') this.slices.delete(event.object.metadata.name);
    else this.slices.set(event.object.metadata.name, event.object);
    this.publish();
    return true;
  }

  private retry(): void {
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => void this.list().then(() => this.watch(), (error: unknown) => (this.warn(error), this.retry())), RETRY_MS);
    this.retryTimer.unref();
  }

  /** Ready endpoints (a missing `ready` counts as ready, as the API documents), once per port. */
  private publish(): void {
    if (this.stopped) return;
    const backends = new Set<string>();
    for (const slice of this.slices.values()) {
      if (slice.addressType === 'FQDN') continue;
      for (const endpoint of slice.endpoints ?? []) {
        if (endpoint.conditions?.ready === false) continue;
        for (const address of endpoint.addresses) for (const port of this.config.ports) backends.add(backendName(address, port));
      }
    }
    this.onChange([...backends].sort());
  }

  /** A GET to the API with the service account's current token; rejects on a non-2xx answer. */
  private async get(path: string, timeoutMs: number): Promise<IncomingMessage> {
    const dir = this.api.serviceAccountDir;
    // In an async function: a token file gone missing rejects (a retry), never throws at the caller.
    const options: RequestOptions = {
      host: this.api.server.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''),
      port: Number(/:(\d+)$/.exec(this.api.server)?.[1] ?? 443),
      path,
      ca: readFileSync(`${dir}/ca.crt`),
      headers: { Authorization: `Bearer ${readFileSync(`${dir}/token`, 'utf8').trim()}`, Accept: 'application/json' },
      timeout: timeoutMs,
    };
    return new Promise((resolve, reject) => {
      const req = request(options, (res) => {
        if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) return resolve(res);
        void readAll(res).then((b) => reject(new Error(`the Kubernetes API answered ${res.statusCode}: ${b.toString('utf8').slice(0, 300)}`)), reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer from the Kubernetes API within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
      this.current = req;
    });
  }

  /** The pod's own namespace (the service account's), for a `service` given without one; else `default`. */
  private ownNamespace(): string {
    try {
      return readFileSync(`${this.api.serviceAccountDir}/namespace`, 'utf8').trim() || 'default';
    } catch {
      return 'default';
    }
  }

  private warn(error: unknown): void {
    if (this.stopped) return;
    this.logger.warn({ service: this.config.service, err: (error as Error).message }, 'Cannot read the Service\'s EndpointSlices; keeping the last answer.');
  }
}

function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}
