import type { ConfigIssue } from './errors.ts';
import { formatPath, issueWithin } from './errors.ts';
import type { Located } from './load.ts';
import type { GatewayConfig } from './resolve.ts';
import { parseEndpoint } from './schema-helpers.ts';
import { pullReaders } from './telemetry.ts';

/** An address the gateway will listen on, and where the config says so. */
export interface BoundEndpoint {
  endpoint: string;
  /** Who listens there: a component's key, `service.admin` or `service.telemetry`. */
  owner: string;
  located: Located;
  /** The YAML path of the endpoint inside `located`. */
  path: readonly (string | number)[];
}

/**
 * Every address the running config would bind: receivers and exporters of its pipelines (left-off
 * ones aside), the admin server and the self-metrics' pull readers; not those of a component or admin block that already has an
 * issue (its endpoint may be a default standing in for what the operator meant).
 */
export function boundEndpoints(config: GatewayConfig, issues: readonly ConfigIssue[] = []): BoundEndpoint[] {
  const used = new Set(config.pipelines.flatMap((p) => [...p.receivers, ...p.exporters]));
  const refs: BoundEndpoint[] = [...config.receivers.values(), ...config.exporters.values()]
    .filter((c) => used.has(c.key) && !c.factory.disabledReason?.(c.config))
    .flatMap((c) => (c.factory.endpoints?.(c.config) ?? []).map((e) => ({ endpoint: e.endpoint, owner: c.key, located: c.located, path: e.path })));
  refs.push({ endpoint: config.admin.endpoint, owner: 'service.admin', located: config.admin.located, path: ['endpoint'] });
  for (const reader of pullReaders(config.telemetry.config)) {
    refs.push({ endpoint: reader.endpoint, owner: 'service.telemetry', located: config.telemetry.located, path: reader.path });
  }
  return refs.filter((ref) => !issues.some((i) => issueWithin(i, ref.located.source.file, ref.located.path)));
}

/** Two places that would listen on the same port (port 0, a free port each time, never clashes). */
export function portsUsedTwice(refs: readonly BoundEndpoint[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  refs.forEach((ref, i) => {
    const ep = parseEndpoint(ref.endpoint);
    if (!ep || ep.port === 0) return;
    const earlier = refs.slice(0, i).find((other) => {
      const o = parseEndpoint(other.endpoint);
      return o !== undefined && o.port === ep.port && hostsOverlap(o.host, ep.host);
    });
    if (!earlier) return;
    const first = earlier.located.source.issue([...earlier.located.path, ...earlier.path], '');
    issues.push(ref.located.source.issue([...ref.located.path, ...ref.path], `port ${ep.port} is also used by ${formatPath(first.path)} (${first.file}:${first.line})`));
  });
  return issues;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

function hostsOverlap(a: string, b: string): boolean {
  const norm = (h: string) => (h === 'localhost' ? '127.0.0.1' : h);
  return WILDCARDS.has(a) || WILDCARDS.has(b) || norm(a) === norm(b);
}
