import type { LogRecord, LogsBatch } from '../model/logs.ts';
import { writeAnyValue, writeAttributes, writeId, writeResource, writeScope } from './otlp-common-encoder.ts';
import { ProtobufWriter } from './protobuf-writer.ts';

/**
 * Pure: the internal model back into an OTLP `ExportLogsServiceRequest` in protobuf, for the exporters
 * that forward OTLP (`loadbalancing`, `nats`). Field numbers are the official protos'
 * (opentelemetry.proto.logs.v1); the decoder (src/otlp/decode/proto-logs.ts) reads back the same model.
 */
export function encodeLogsRequest(batch: LogsBatch): Buffer {
  const w = new ProtobufWriter();
  for (const rl of batch.resourceLogs) {
    const rlAt = w.beginLen(1);
    writeResource(w, rl.resource);
    for (const sl of rl.scopeLogs) {
      const slAt = w.beginLen(2);
      writeScope(w, sl.scope);
      for (const record of sl.logRecords) writeLogRecord(w, record);
      if (sl.schemaUrl) w.string(3, sl.schemaUrl);
      w.endLen(slAt);
    }
    if (rl.schemaUrl) w.string(3, rl.schemaUrl);
    w.endLen(rlAt);
  }
  // A copy: the writer's buffer is oversized, and callers keep the request (queues, retries).
  return Buffer.from(w.finish());
}

function writeLogRecord(w: ProtobufWriter, l: LogRecord): void {
  const at = w.beginLen(2);
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
  w.endLen(at);
}
