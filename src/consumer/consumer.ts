import type { LogsBatch } from '../model/logs.ts';
import type { MetricsBatch } from '../model/metrics.ts';
import type { TracesBatch } from '../model/traces.ts';
import type { ProtoConsumer } from '../otlp/proto-consumer.ts';
import type { ConsumerError } from './errors.ts';

/*
 * One method per signal between stages. A batch handed to a consumer is shared: fan-out gives the same
 * object to every pipeline, so a stage never mutates what it received; it builds new objects for what
 * it changes (structural sharing keeps that cheap). The promise settles once the next stage has
 * accepted the data (for a queued exporter: once it is queued); a rejection is a ConsumerError.
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
