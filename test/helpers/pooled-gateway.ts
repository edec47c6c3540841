import { writeFileSync } from 'node:fs';
import pino from 'pino';
import { builtinRegistry } from '../../src/components.ts';
import { Gateway } from '../../src/gateway.ts';
import { WorkerPool } from '../../src/workers/worker-pool.ts';
import { tempFiles } from './temp-files.ts';

export interface PooledGateway {
  gateway: Gateway;
  pool: WorkerPool;
  files: ReturnType<typeof tempFiles>;
  /** Shuts the gateway (and its workers) down and removes its files. */
  stop(): Promise<void>;
}

/**
 * `switchyard run --workers N` in this process, without the CLI: a gateway on the config `yaml` gives
 * (it may name files in the gateway's own temporary folder), its pipelines in `count` worker threads.
 */
export async function startPooledGateway(yaml: (path: (name: string) => string) => string, count = 2): Promise<PooledGateway> {
  const files = tempFiles({});
  const configFile = files.path('gateway.yaml');
  writeFileSync(configFile, yaml(files.path));
  const logger = pino({ level: 'silent' });
  const pool = new WorkerPool({ configFile, count, logger });
  const gateway = new Gateway({ configFile, registry: builtinRegistry(), logger, host: pool });
  try {
    await gateway.start();
  } catch (error) {
    files.cleanup();
    throw error;
  }
  return {
    gateway,
    pool,
    files,
    stop: async () => {
      await gateway.shutdown();
      files.cleanup();
    },
  };
}
