import type { SignalConsumers } from '../../src/consumer/consumer.ts';
import { ConsumerError } from '../../src/consumer/errors.ts';
import type { Signal } from '../../src/model/common.ts';
import type { ComponentTelemetry } from '../../src/telemetry/component-telemetry.ts';
import type { LogsBatch } from '../../src/model/logs.ts';
import { countDataPoints, type MetricsBatch } from '../../src/model/metrics.ts';
import { countSpans, type TracesBatch } from '../../src/model/traces.ts';
import { countLogRecords } from '../../src/model/logs.ts';
import { limitAttributes, type AttributeLimits } from './attribute-limits.ts';
import { AttributeInterner, decodeLogsJson, decodeLogsProto, decodeMetricsJson, decodeMetricsProto, decodeTracesJson, decodeTracesProto, type DecodeResult } from '../../src/otlp/decode/index.ts';

type Batch = MetricsBatch | TracesBatch | LogsBatch;

const ITEM_NAME: Record<Signal, string> = { metrics: 'data points', traces: 'spans', logs: 'log records' };

/** Per signal: how to decode each encoding, count the items, and hand a batch to the pipelines. */
export interface SignalRoute {
  signal: Signal;
  decode: { proto(body: Uint8Array): DecodeResult<Batch>; json(text: string): DecodeResult<Batch> };
  count(batch: Batch): number;
  consume(batch: Batch): Promise<void>;
}

/**
 * The routes for the signals that have pipelines; a signal without one is not served. Metrics decoded
 * from protobuf share one interner per receiver: a series' attributes are one object request after request.
 */
export function signalRoutes(next: SignalConsumers): SignalRoute[] {
  const routes: SignalRoute[] = [];
  if (next.metrics) {
    const c = next.metrics;
    const interner = new AttributeInterner();
    routes.push({ signal: 'metrics', decode: { proto: (body) => decodeMetricsProto(body, interner), json: decodeMetricsJson }, count: (b) => countDataPoints(b as MetricsBatch), consume: (b) => c.consumeMetrics(b as MetricsBatch) });
  }
  if (next.traces) {
    const c = next.traces;
    routes.push({ signal: 'traces', decode: { proto: decodeTracesProto, json: decodeTracesJson }, count: (b) => countSpans(b as TracesBatch), consume: (b) => c.consumeTraces(b as TracesBatch) });
  }
  if (next.logs) {
    const c = next.logs;
    routes.push({ signal: 'logs', decode: { proto: decodeLogsProto, json: decodeLogsJson }, count: (b) => countLogRecords(b as LogsBatch), consume: (b) => c.consumeLogs(b as LogsBatch) });
  }
  return routes;
}

export type ExportOutcome =
  | { kind: 'ok'; rejected: number; message?: string }
  | { kind: 'refused'; error: ConsumerError }
  /** Over max_points_per_request: refused whole, for good (413 / INVALID_ARGUMENT). */
  | { kind: 'too_many'; message: string };

/** The per-request limits of a protocol block (see config.ts). */
export interface RequestLimits {
  max_points_per_request: number;
  max_attributes_per_point: number;
  max_attribute_value_length: number;
}

/**
 * Hands a decoded request to the pipelines and counts it. Shared by HTTP and gRPC so both answer the
 * same way: accepted, refused with a retryable error (backpressure), or refused permanently.
 */
export async function exportDecoded(route: SignalRoute, decoded: DecodeResult<Batch>, transport: string, telemetry: ComponentTelemetry, limits: RequestLimits): Promise<ExportOutcome> {
  const items = route.count(decoded.batch);
  if (items > limits.max_points_per_request) {
    telemetry.refused(route.signal, transport, items, 'too_many_points');
    telemetry.refusedRequest(route.signal, transport, 'too_many_points');
    return { kind: 'too_many', message: `the request holds ${items} ${ITEM_NAME[route.signal]}, over max_points_per_request (${limits.max_points_per_request}); send smaller batches` };
  }
  const attributeLimits: AttributeLimits = { maxAttributes: limits.max_attributes_per_point, maxValueLength: limits.max_attribute_value_length };
  const cut = limitAttributes(decoded.batch, attributeLimits);
  if (cut.droppedAttributes > 0) telemetry.truncatedAttributes(route.signal, transport, cut.droppedAttributes, 'count');
  if (cut.truncatedValues > 0) telemetry.truncatedAttributes(route.signal, transport, cut.truncatedValues, 'length');
  if (decoded.rejected > 0) telemetry.refused(route.signal, transport, decoded.rejected, 'invalid');
  if (items === 0) return { kind: 'ok', rejected: decoded.rejected, message: decoded.rejectedMessage };
  try {
    await route.consume(decoded.batch);
  } catch (error) {
    const refusal = ConsumerError.from(error);
    const reason = refusal.retryable ? 'backpressure' : 'rejected';
    telemetry.refused(route.signal, transport, items, reason);
    telemetry.refusedRequest(route.signal, transport, reason);
    return { kind: 'refused', error: refusal };
  }
  telemetry.accepted(route.signal, transport, items);
  return { kind: 'ok', rejected: decoded.rejected, message: decoded.rejectedMessage };
}
