/**
 * `switchyard run --workers N` scaling: the real CLI process on pipelines/prompter-prometheus.yaml,
 * loaded by concurrent clients, each a service of its own sending Prompter-shaped requests (services
 * spread over the workers by the routing rule, as a fleet of services would). Points/s with 1 worker
 * and with 2, on the same load from this process.
 */
import { Agent } from 'node:http';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGateway } from '../test/helpers/gateway-process.ts';
import { pipelineHostConfig } from '../test/helpers/pipeline-gateway.ts';
import { tempFiles } from '../test/helpers/temp-files.ts';
import type { Row } from './decode.ts';
import { post } from './gateway.ts';
import { prompterRequest } from './prompter-request.ts';

// Two services per worker with --workers 2 (their routing partitions are 1, 1, 0, 0).
const SERVICES = ['prompter-api', 'billing-api', 'celery-worker', 'search-api'];
const SECONDS = 8;
/** How long a client waits after a 429/503 before it sends again, as an SDK's first retry would. */
const BACKOFF_MS = 100;

interface Throughput {
  pointsPerSecond: number;
  /** Requests answered 429/503 (the receiver's queue-delay or memory limit): each retried after BACKOFF_MS. */
  refused: number;
}

/** Points/s the gateway process takes with `workers`, every service posting back to back for SECONDS. */
async function measure(workers: number, bodies: { proto: Uint8Array; points: number }[]): Promise<Throughput> {
  const files = tempFiles({});
  writeFileSync(files.path('gateway.yaml'), pipelineHostConfig('pipelines/prompter-prometheus.yaml'));
  const gateway = await startGateway(files.path('gateway.yaml'), {}, 60_000, ['--workers', String(workers)]);
  const agent = new Agent({ keepAlive: true, maxSockets: bodies.length });
  try {
    const url = new URL(`http://${gateway.endpoints['otlp.http']}/v1/metrics`);
    for (let i = 0; i < 5; i++) await Promise.all(bodies.map((b) => post(url, b.proto, agent))); // warm-up
    let points = 0;
    let refused = 0;
    const end = performance.now() + SECONDS * 1000;
    const start = performance.now();
    await Promise.all(
      bodies.map(async (b) => {
        while (performance.now() < end) {
          const status = await post(url, b.proto, agent);
          if (status === 200) points += b.points;
          else if (status === 429 || status === 503) {
            refused++;
            await sleep(BACKOFF_MS);
          } else throw new Error(`--workers ${workers}: the gateway answered ${status}`);
        }
      }),
    );
    return { pointsPerSecond: points / ((performance.now() - start) / 1000), refused };
  } finally {
    agent.destroy();
    await gateway.stop();
    files.cleanup();
  }
}

export async function benchWorkers(): Promise<Row[]> {
  const bodies = await Promise.all(SERVICES.map((s) => prompterRequest(s)));
  const one = await measure(1, bodies);
  const two = await measure(2, bodies);
  return [
    {
      name: `--workers 1 → 2: pipelines/prompter-prometheus.yaml, ${SERVICES.length} services posting Prompter-shaped requests concurrently, gateway as its own process`,
      value: Math.round(two.pointsPerSecond),
      unit: 'points/s (2 workers)',
      note: `${(two.pointsPerSecond / one.pointsPerSecond).toFixed(2)}× the ${Math.round(one.pointsPerSecond).toLocaleString('en-US')} points/s of --workers 1 on the same load (requests refused 429/503 and retried after ${BACKOFF_MS} ms: ${one.refused} with 1 worker, ${two.refused} with 2) (the client shares the cores; on a shared machine the figure is noisy). The ceiling on 2 cores is ≈1.3–1.4×: one worker's process already uses ≈1.3 cores (V8's GC threads beside the main thread), and two busy threads each run slower than one alone (src/workers/README.md)`,
    },
  ];
}
