import { lookup as dnsLookup } from 'node:dns/promises';
import type { Logger } from 'pino';
import { backendName } from './backend-name.ts';
import type { LoadbalancingConfig } from './config.ts';
import { inClusterApi, K8sEndpointsWatcher, type KubernetesApi } from './k8s-resolver.ts';

/** Every address a name resolves to (A and AAAA), as `dns.lookup({ all: true })` answers. */
export type Lookup = (hostname: string) => Promise<{ address: string; family: number }[]>;

const defaultLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true });


/**
 * The set of backends: fixed (`resolver.static`), or the addresses a DNS name resolves to, re-resolved
 * every `interval` (`resolver.dns`; a Kubernetes headless Service answers with one address per ready pod),
 * or the ready endpoints of a Service's EndpointSlices, watched (`resolver.k8s`, k8s-resolver.ts).
 * A failed or timed-out resolution keeps the last answer: a DNS hiccup must not empty the ring.
 */
export class BackendResolver {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private k8s: K8sEndpointsWatcher | undefined;

  constructor(
    private readonly config: LoadbalancingConfig['resolver'],
    private readonly defaultPort: number,
    private readonly logger: Logger,
    private readonly onChange: (backends: string[]) => void,
    private readonly lookup: Lookup = defaultLookup,
    private readonly kubernetes: () => KubernetesApi = () => inClusterApi(),
  ) {}

  /** Resolves once (so the exporter starts with its backends), then keeps re-resolving in the background. */
  async start(): Promise<void> {
    if (this.config.static) {
      this.onChange(this.config.static.hostnames.map((h) => (/:\d+$/.test(h) ? h : `${h}:${this.defaultPort}`)));
      return;
    }
    if (this.config.k8s) {
      const k8s = this.config.k8s;
      this.k8s = new K8sEndpointsWatcher({ ...k8s, ports: k8s.ports ?? [this.defaultPort] }, this.kubernetes(), this.logger, this.onChange);
      return this.k8s.start();
    }
    await this.resolve();
    const dns = this.config.dns!;
    const loop = (): void => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.resolve().finally(loop), dns.interval);
      this.timer.unref();
    };
    loop();
  }

  stop(): void {
    this.stopped = true;
    this.k8s?.stop();
    if (this.timer) clearTimeout(this.timer);
  }

  /** One resolution; never throws. */
  async resolve(): Promise<void> {
    const dns = this.config.dns;
    if (!dns) return;
    let timeout: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        this.lookup(dns.hostname),
        new Promise<never>((_, reject) => (timeout = setTimeout(() => reject(new Error(`no answer within ${dns.timeout} ms`)), dns.timeout))),
      ]);
      const backends = [...new Set(answer.map((a) => backendName(a.address, dns.port ?? this.defaultPort)))].sort();
      if (!this.stopped) this.onChange(backends);
    } catch (error) {
      this.logger.warn({ hostname: dns.hostname, err: (error as Error).message }, 'Cannot resolve the backends; keeping the last answer.');
    } finally {
      clearTimeout(timeout);
    }
  }
}
