/**
 * The OTLP protobuf metrics decoder, for components other than the `otlp` receiver that receive OTLP
 * (the `nats` receiver). It lives in receivers/otlp/decode/ today; this one re-export is the only place
 * outside that receiver that reaches it, so moving the decoder here later changes one line.
 */
export { decodeMetricsProto, OtlpDecodeError } from '../../receivers/otlp/decode/index.ts';
