import type { SignalConsumers } from '../../src/consumer/consumer.ts';
import { ConsumerError } from '../../src/consumer/errors.ts';
import type { Signal } from '../../src/model/common.ts';
import type { ComponentTelemetry } from '../../src/telemetry/component-telemetry.ts';
import type { LogsBatch } from '../../src/model/logs.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import type { TracesBatch } from '../../src/model/traces.ts';
import { admit, type RequestLimits } from '../../src/otlp/admission.ts';
import { AttributeInterner, OtlpDecodeError, rejectionMessage } from '../../src/otlp/decode/index.ts';
import type { ProtoConsumer, ProtoExportReport } from '../../src/otlp/proto-consumer.ts';
import { OTLP_SIGNALS, type OtlpBatch } from '../../src/otlp/signals.ts';

export type { RequestLimits } from '../../src/otlp/admission.ts';

/** Per signal: how to hand a decoded batch to the pipelines, or (with `--workers N`) the undecoded body. */
export interface SignalRoute {
  signal: Signal;
  consume(batch: OtlpBatch): Promise<void>;
  proto: ProtoConsumer | undefined;
  /** With `--workers N`: the pipelines' refusal now, asked before a body is read (see SignalConsumers.refusal). */
  refusal: SignalConsumers['refusal'];
  /** Metrics: the attribute sets already decoded, found again by their bytes. */
  interner?: AttributeInterner;
}

/**
 * The routes for the signals that have pipelines; a signal without one is not served. Metrics decoded
 * from protobuf share one interner per receiver: a series' attributes are one object request after request.
 */
export function signalRoutes(next: SignalConsumers): SignalRoute[] {
  const routes: SignalRoute[] = [];
  const proto = next.otlpProto;
  const refusal = next.refusal;
  if (next.metrics) {
    const c = next.metrics;
    // Attribute sets kept across this receiver's requests: a series gets the same attributes object each time.
    const interner = new AttributeInterner();
    routes.push({ signal: 'metrics', consume: (b) => c.consumeMetrics(b as MetricsBatch), proto, refusal, interner });
  }
  if (next.traces) {
    const c = next.traces;
    routes.push({ signal: 'traces', consume: (b) => c.consumeTraces(b as TracesBatch), proto, refusal });
  }
  if (next.logs) {
    const c = next.logs;
    routes.push({ signal: 'logs', consume: (b) => c.consumeLogs(b as LogsBatch), proto, refusal });
  }
  return routes;
}

export type ExportOutcome =
  | { kind: 'ok'; rejected: number; message?: string }
  | { kind: 'refused'; error: ConsumerError }
  /** Over max_points_per_request: refused whole, for good (413 / INVALID_ARGUMENT). */
  | { kind: 'too_many'; message: string }
  /** Not valid OTLP (400 / INVALID_ARGUMENT). */
  | { kind: 'malformed'; message: string };

/**
 * Decodes a request body, hands it to the pipelines and counts it. Shared by HTTP and gRPC so both answer
 * the same way: accepted, malformed, refused with a retryable error (backpressure), or refused for good.
 * A protobuf body goes undecoded to the worker threads when the pipelines run there (`--workers N`).
 */
export async function exportBody(route: SignalRoute, body: Buffer, encoding: 'proto' | 'json', transport: string, telemetry: ComponentTelemetry, limits: RequestLimits): Promise<ExportOutcome> {
  telemetry.requestSize(route.signal, transport, body.length);
  const report = encoding === 'proto' && route.proto ? await route.proto.exportProto(route.signal, body, limits) : await decodeAndConsume(route, body, encoding, limits);
  return settle(route.signal, report, transport, telemetry, limits);
}

async function decodeAndConsume(route: SignalRoute, body: Buffer, encoding: 'proto' | 'json', limits: RequestLimits): Promise<ProtoExportReport> {
  const signal = OTLP_SIGNALS[route.signal];
  let decoded;
  try {
    decoded = encoding === 'proto' ? signal.decodeProto(body, route.interner) : signal.decodeJson(body.toString('utf8'));
  } catch (error) {
    if (error instanceof OtlpDecodeError) return { kind: 'malformed', message: error.message };
    throw error;
  }
  const admission = admit(route.signal, decoded, limits);
  if (admission.kind === 'too_many') return admission;
  const figures = admission.figures;
  if (figures.items === 0) return { kind: 'done', ...figures };
  try {
    await route.consume(admission.batch);
    return { kind: 'done', ...figures };
  } catch (error) {
    return { kind: 'done', ...figures, refusal: ConsumerError.from(error) };
  }
}

/** The receiver's counters for one request, and its answer. */
function settle(signal: Signal, report: ProtoExportReport, transport: string, telemetry: ComponentTelemetry, limits: RequestLimits): ExportOutcome {
  const items = OTLP_SIGNALS[signal].items;
  if (report.kind === 'malformed') {
    telemetry.refusedRequest(signal, transport, 'malformed');
    return report;
  }
  if (report.kind === 'too_many') {
    telemetry.refused(signal, transport, report.items, 'too_many_points');
    telemetry.refusedRequest(signal, transport, 'too_many_points');
    return { kind: 'too_many', message: `the request holds ${report.items} ${items}, over max_points_per_request (${limits.max_points_per_request}); send smaller batches` };
  }
  if (report.droppedAttributes > 0) telemetry.truncatedAttributes(signal, transport, report.droppedAttributes, 'count');
  if (report.truncatedValues > 0) telemetry.truncatedAttributes(signal, transport, report.truncatedValues, 'length');
  if (report.rejected > 0) telemetry.refused(signal, transport, report.rejected, 'invalid');
  if (report.refusal) {
    const reason = report.refusal.retryable ? 'backpressure' : 'rejected';
    telemetry.refused(signal, transport, report.items, reason);
    telemetry.refusedRequest(signal, transport, reason);
    return { kind: 'refused', error: report.refusal };
  }
  if (report.items > 0) telemetry.accepted(signal, transport, report.items);
  const message = report.rejected > 0 && report.rejectedReason !== undefined ? rejectionMessage(report.rejected, items, report.rejectedReason) : undefined;
  return { kind: 'ok', rejected: report.rejected, ...(message !== undefined ? { message } : {}) };
}
