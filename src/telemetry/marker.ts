/**
 * Marks the gateway's own OTLP requests (its self-metrics and spans). A receiver opens no span for a
 * request carrying it, so a gateway whose traces go to itself (or to a peer that sends its own back)
 * never traces the sending of its traces: without it, every export would make a span that makes the
 * next export, for ever.
 */
export const SELF_TELEMETRY_HEADER = 'x-switchyard-self-telemetry';
