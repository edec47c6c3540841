import type { Signal } from '../model/common.ts';
import { countLogRecords, type LogsBatch } from '../model/logs.ts';
import { countDataPoints, type MetricsBatch } from '../model/metrics.ts';
import { countSpans, type TracesBatch } from '../model/traces.ts';
import { decodeLogsJson, decodeLogsProto, decodeMetricsJson, decodeMetricsProto, decodeTracesJson, decodeTracesProto, type DecodeResult } from './decode/index.ts';

/** A decoded OTLP request of any signal. */
export type OtlpBatch = MetricsBatch | TracesBatch | LogsBatch;

/** Per signal: its decoders, how its items are counted and named. Shared by the otlp receiver and the worker threads. */
export interface OtlpSignal {
  decodeProto(body: Uint8Array): DecodeResult<OtlpBatch>;
  decodeJson(text: string): DecodeResult<OtlpBatch>;
  count(batch: OtlpBatch): number;
  /** What its items are called in answers ("data points", "spans", "log records"). */
  items: string;
}

export const OTLP_SIGNALS: Record<Signal, OtlpSignal> = {
  metrics: { decodeProto: decodeMetricsProto, decodeJson: decodeMetricsJson, count: (b) => countDataPoints(b as MetricsBatch), items: 'data points' },
  traces: { decodeProto: decodeTracesProto, decodeJson: decodeTracesJson, count: (b) => countSpans(b as TracesBatch), items: 'spans' },
  logs: { decodeProto: decodeLogsProto, decodeJson: decodeLogsJson, count: (b) => countLogRecords(b as LogsBatch), items: 'log records' },
};
