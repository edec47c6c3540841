import type { LogsBatch } from '../model/logs.ts';
import type { MetricsBatch } from '../model/metrics.ts';
import type { TracesBatch } from '../model/traces.ts';
import type { ProtoConsumer } from '../otlp/proto-consumer.ts';
import type { ConsumerError } from './errors.ts';

/*
 * One method per signal between stages. The promise settles once the next stage has accepted the data
 * (for a queued exporter: once it is queued); a rejection is a ConsumerError.
 *
 * Ownership (the Collector's rule; src/pipeline/README.md): a batch handed on is the receiver's. A stage
 * whose factory says `mutatesData` may change it in place, because the fan-out gives it a batch no other
 * consumer sees (a copy where the batch is shared); every other stage treats what it gets as read-only
 * and builds new objects for what it changes. The giver never touches a batch after handing it on. In
 * place means the containers (batch, resource, scope and metric lists, metric objects, point lists) and
 * a point's `attributes` field; attribute sets, resources, scopes and the values inside a point are
 * never written into by anyone (they are shared across batches), so a stage may keep a point it passed
 * on to read its values later.
 */
export interface MetricsConsumer {
  consumeMetrics(batch: MetricsBatch): Promise<void>;
}

export interface TracesConsumer {
  consumeTraces(batch: TracesBatch): Promise<void>;
}

export interface LogsConsumer {
  consumeLogs(batch: LogsBatch): Promise<void>;
}

export interface SignalConsumers {
  metrics?: MetricsConsumer;
  traces?: TracesConsumer;
  logs?: LogsConsumer;
  /** With `--workers N` only: OTLP protobuf bodies handed over undecoded (an OTLP receiver prefers it). */
  otlpProto?: ProtoConsumer;
  /**
   * With `--workers N` only: the refusal the pipelines would answer now whatever the data (the process
   * is over a memory limiter's soft limit), which a receiver answers before reading a request's body.
   */
  refusal?(): ConsumerError | undefined;
}
