import { createServer } from 'node:net';
import { ConfigFault } from '../component/component.ts';
import type { FactoryRegistry } from '../component/registry.ts';
import { formatIssue, type ConfigIssue } from '../config/errors.ts';
import { boundEndpoints, type BoundEndpoint } from '../config/endpoints.ts';
import { listenOn } from '../config/listen.ts';
import { loadConfig } from '../config/load.ts';
import { checkConfig } from '../config/resolve.ts';
import { parseEndpoint } from '../config/schema-helpers.ts';
import { preflightListenerFiles } from '../listener/preflight.ts';

/**
 * `switchyard validate`: every config error, every token or certificate file a listener cannot read, then every address of the config that cannot be bound on
 * this machine (the admin server's included, written or default).
 */
export async function validateConfig(file: string, registry: FactoryRegistry, env: NodeJS.ProcessEnv): Promise<ConfigIssue[]> {
  const { config, issues } = checkConfig(loadConfig(file, env), registry);
  if (!config) return issues;
  return [...issues, ...preflightListenerFiles(config), ...(await portsInUse(boundEndpoints(config, issues)))];
}

async function portsInUse(refs: BoundEndpoint[]): Promise<ConfigIssue[]> {
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
  const server = createServer();
  return listenOn(server, text, []).then(
    () => new Promise<undefined>((resolve) => server.close(() => resolve(undefined))),
    (error: Error) => (error instanceof ConfigFault ? error.message : `cannot listen on ${text}: ${error.message}`),
  );
}

export function printIssues(issues: readonly ConfigIssue[], out: NodeJS.WritableStream): void {
  for (const issue of issues) out.write(`${formatIssue(issue)}\n`);
}
