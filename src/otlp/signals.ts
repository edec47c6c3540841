import type { Signal } from '../model/common.ts';
import { countLogRecords, type LogsBatch } from '../model/logs.ts';
import { countDataPoints, type MetricsBatch } from '../model/metrics.ts';
import { countSpans, type TracesBatch } from '../model/traces.ts';
import { type AttributeInterner, decodeLogsJson, decodeLogsProto, decodeMetricsJson, decodeMetricsProto, decodeTracesJson, decodeTracesProto, type DecodeResult } from './decode/index.ts';

/** A decoded OTLP request of any signal. */
export type OtlpBatch = MetricsBatch | TracesBatch | LogsBatch;

/** Per signal: its decoders, how its items are counted and named. Shared by the otlp receiver and the worker threads. */
export interface OtlpSignal {
  /** `interner`: a receiver's attribute sets across requests (metrics use it). */
  decodeProto(body: Uint8Array, interner?: AttributeInterner): DecodeResult<OtlpBatch>;
  decodeJson(text: string): DecodeResult<OtlpBatch>;
  count(batch: OtlpBatch): number;
  /** What its items are called in answers ("data points", "spans", "log records"). */
  items: string;
}

export const OTLP_SIGNALS: Record<Signal, OtlpSignal> = {
  metrics: { decodeProto: (body, interner) => decodeMetricsProto(body, interner), decodeJson: decodeMetricsJson, count: (b) => countDataPoints(b as MetricsBatch), items: 'data points' },
  traces: { decodeProto: (body) => decodeTracesProto(body), decodeJson: decodeTracesJson, count: (b) => countSpans(b as TracesBatch), items: 'spans' },
  logs: { decodeProto: (body) => decodeLogsProto(body), decodeJson: decodeLogsJson, count: (b) => countLogRecords(b as LogsBatch), items: 'log records' },
};
