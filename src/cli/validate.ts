import { createServer } from 'node:net';
import type { FactoryRegistry } from '../component/registry.ts';
import { ConfigError, formatIssue, type ConfigIssue } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import { resolveConfig, type GatewayConfig } from '../config/resolve.ts';
import { parseEndpoint } from '../config/schema-helpers.ts';

/** `switchyard validate`: every config error, then every endpoint of the config that cannot be bound. */
export async function validateConfig(file: string, registry: FactoryRegistry, env: NodeJS.ProcessEnv): Promise<ConfigIssue[]> {
  let config: GatewayConfig;
  try {
    config = resolveConfig(loadConfig(file, env), registry);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  return checkPorts(config);
}

async function checkPorts(config: GatewayConfig): Promise<ConfigIssue[]> {
  const used = new Set(config.pipelines.flatMap((p) => [...p.receivers, ...p.exporters]));
  const refs = [...config.receivers.values(), ...config.exporters.values()]
    .filter((c) => used.has(c.key))
    .flatMap((c) => (c.factory.endpoints?.(c.config) ?? []).map((e) => ({ ...e, located: c.located })));
  if (config.admin.located) refs.push({ path: ['endpoint'], endpoint: config.admin.endpoint, located: config.admin.located });
  const issues: ConfigIssue[] = [];
  for (const ref of refs) {
    const problem = await bindProblem(ref.endpoint);
    if (problem) issues.push(ref.located.source.issue([...ref.located.path, ...ref.path], problem));
  }
  return issues;
}

function bindProblem(text: string): Promise<string | undefined> {
  const ep = parseEndpoint(text);
  if (!ep || ep.port === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'EADDRINUSE' ? `port ${ep.port} on ${ep.host} is already in use` : `cannot listen on ${text}: ${error.message}`),
    );
    server.listen(ep.port, ep.host, () => server.close(() => resolve(undefined)));
  });
}

export function printIssues(issues: readonly ConfigIssue[], out: NodeJS.WritableStream): void {
  for (const issue of issues) out.write(`${formatIssue(issue)}\n`);
}
