import type { LogRecord, LogsBatch, ResourceLogs, ScopeLogs } from '../model/logs.ts';
import { encodeRequest, type SignalLayout, writeAnyValue, writeAttributes, writeId } from './otlp-common-encoder.ts';
import type { ProtobufWriter } from './protobuf-writer.ts';

/**
 * Pure: the internal model back into an OTLP `ExportLogsServiceRequest` in protobuf, for the exporters
 * that forward OTLP (`loadbalancing`, `nats`). Field numbers are the official protos'
 * (opentelemetry.proto.logs.v1); the decoder (src/otlp/decode/proto-logs.ts) reads back the same model.
 */
export function encodeLogsRequest(batch: LogsBatch): Buffer {
  return encodeRequest(batch.resourceLogs, LOGS);
}

const LOGS: SignalLayout<ResourceLogs, ScopeLogs, LogRecord> = {
  scopes: (r) => r.scopeLogs,
  items: (s) => s.logRecords,
  writeItem: writeLogRecord,
};

function writeLogRecord(w: ProtobufWriter, l: LogRecord): void {
  if (l.timeUnixNano) w.fixed64Number(1, l.timeUnixNano);
  if (l.severityNumber) w.int64(2, l.severityNumber);
  if (l.severityText) w.string(3, l.severityText);
  if (l.body !== undefined) writeAnyValue(w, 5, l.body);
  writeAttributes(w, 6, l.attributes);
  if (l.flags) w.fixed32(8, l.flags);
  writeId(w, 9, l.traceId);
  writeId(w, 10, l.spanId);
  if (l.observedTimeUnixNano) w.fixed64Number(11, l.observedTimeUnixNano);
  if (l.eventName) w.string(12, l.eventName);
}
