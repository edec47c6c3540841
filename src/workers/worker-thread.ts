import { parentPort, workerData } from 'node:worker_threads';
import { builtinRegistry } from '../components.ts';
import { onSecret } from '../config/secret-values.ts';
import type { MetricsConsumer, LogsConsumer, TracesConsumer } from '../consumer/consumer.ts';
import { ConsumerError } from '../consumer/errors.ts';
import { withOrigin } from '../consumer/origin.ts';
import { Gateway } from '../gateway.ts';
import type { Signal } from '../model/common.ts';
import { statusesForMerge } from '../pipeline/health.ts';
import type { LogsBatch } from '../model/logs.ts';
import type { MetricsBatch } from '../model/metrics.ts';
import type { TracesBatch } from '../model/traces.ts';
import { logSettingsOf } from '../telemetry/log-settings.ts';
import { createLogger } from '../telemetry/logger.ts';
import { MemoryFigures, useProcessFigures } from '../telemetry/memory-in-use.ts';
import { ProtoExports } from './proto-export.ts';
import type { FromWorker, ToWorker, WorkerData, WorkerHealth } from './protocol.ts';
import { toWire } from './wire-error.ts';
import { WorkerTaps } from './worker-taps.ts';

/**
 * One worker of `switchyard run --workers N`: the pipelines of the config (processors, connectors,
 * exporters), fed by the main thread with the series the routing rule gives this worker.
 */
const data = workerData as WorkerData;
// Before any component starts: a memory limiter here measures the whole process, not this thread.
const memory = new MemoryFigures(data.memory, data.index + 1);
useProcessFigures(memory);
memory.publishEvery();
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
// Posted before any health or page that could quote them (one port: messages keep their order).
onSecret((value) => post({ type: 'secret', value }));
// As the main thread's logger: the config's service.telemetry.logs, else LOG_LEVEL/LOG_FORMAT; a reload applies the new ones here too.
const logger = createLogger(process.env, logSettingsOf(data.configFile, process.env)).child({ worker: data.index });
const gateway = new Gateway({ configFile: data.configFile, registry: builtinRegistry(), logger, worker: { index: data.index, count: data.count }, forwardSpans: (spans) => post({ type: 'spans', spans }) });

/** Health as plain data (live getters do not survive a structured clone), details in the form the main thread merges. */
function healthNow(): WorkerHealth {
  return { statuses: statusesForMerge(gateway.componentStatuses()), ready: gateway.ready() };
}

function pushHealth(): void {
  post({ type: 'health', ...healthNow() });
}

async function consume(receiver: string, signal: Signal, batch: unknown): Promise<void> {
  const next = gateway.graph()?.inboundOf(receiver);
  switch (signal) {
    case 'metrics':
      return (next?.metrics ?? refuse<MetricsConsumer>()).consumeMetrics(batch as MetricsBatch);
    case 'traces':
      return (next?.traces ?? refuse<TracesConsumer>()).consumeTraces(batch as TracesBatch);
    case 'logs':
      return (next?.logs ?? refuse<LogsConsumer>()).consumeLogs(batch as LogsBatch);
  }
}

const protoExports = new ProtoExports(consume, toWire);
const taps = new WorkerTaps(() => gateway.graph()?.taps, post);

function refuse<C>(): C {
  throw ConsumerError.retryable('the worker has no pipeline for this receiver right now (reloading)');
}

async function handle(m: ToWorker): Promise<unknown> {
  switch (m.type) {
    case 'consume':
      // Under the origin the main thread's receiver consumed it in: the stages keep their state by it.
      return m.origin === undefined ? consume(m.receiver, m.signal, m.batch) : withOrigin(m.origin, () => consume(m.receiver, m.signal, m.batch));
    case 'origins-lost':
      return gateway.graph()?.forgetOriginsOf(m.receiver, m.origins);
    case 'export':
      return protoExports.export(m);
    case 'commit':
      return protoExports.commit(m.hold);
    case 'abort':
      return protoExports.abort(m.hold);
    case 'scrape': {
      const exporter = gateway.graph()?.scrapeable().get(m.exporter);
      return exporter ? exporter.scrape(m.request) : undefined;
    }
    case 'self-metrics':
      return gateway.selfMetrics.everyValue();
    case 'health':
      return healthNow();
    case 'places':
      return gateway.graph()?.meters.read() ?? {};
    case 'tap-list':
      return gateway.graph()?.taps.list() ?? {};
    case 'tap-attach':
      return taps.attach(m.tap, m.where, m.options);
    case 'tap-detach':
      return taps.detach(m.tap);
    case 'reload': {
      const ok = await gateway.reload();
      pushHealth();
      return { ok, scrapeable: [...(gateway.graph()?.scrapeable().keys() ?? [])] };
    }
    case 'shutdown':
      clearInterval(healthTimer);
      await gateway.shutdown();
      pushHealth();
      return undefined;
  }
}

port.on('message', (m: ToWorker) => {
  handle(m).then(
    (value) => post({ type: 'reply', id: m.id, ok: true, value }),
    (error: unknown) => post({ type: 'reply', id: m.id, ok: false, error: toWire(error) }),
  );
});

let healthTimer: NodeJS.Timeout | undefined;
try {
  await gateway.start();
  pushHealth();
  healthTimer = setInterval(pushHealth, 500);
  post({ type: 'started', scrapeable: [...(gateway.graph()?.scrapeable().keys() ?? [])] });
} catch (error) {
  post({ type: 'start-failed', message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
  port.close();
}
