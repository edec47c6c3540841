/** Pure OTLP decoding: request bodies (protobuf or JSON) into the internal model, and the answers. */
export { AttributeInterner } from './attribute-interner.ts';
export { OtlpDecodeError } from './errors.ts';
export { decodeLogsJson } from './json-logs.ts';
export { decodeMetricsJson } from './json-metrics.ts';
export { decodeTracesJson } from './json-traces.ts';
export { decodeLogsProto } from './proto-logs.ts';
export { decodeMetricsProto } from './proto-metrics.ts';
export { decodeTracesProto } from './proto-traces.ts';
export { rejectionMessage, type DecodeResult } from './result.ts';
export { decodeRetryDelayMs, encodeExportResponseJson, encodeExportResponseProto, encodeRetryInfoAny, encodeStatusJson, encodeStatusProto, type PartialSuccess } from './responses.ts';
