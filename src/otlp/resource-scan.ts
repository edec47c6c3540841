import type { Resource, Signal } from '../model/common.ts';
import { emptyResource, readResource } from './decode/proto-common.ts';
import { LEN, WireReader, schema } from './decode/wire.ts';

/** Every Export*ServiceRequest is `repeated Resource{Metrics,Spans,Logs} = 1`, each with `Resource resource = 1`. */
const REQUEST = {
  metrics: schema('ExportMetricsServiceRequest', { 1: LEN }),
  traces: schema('ExportTraceServiceRequest', { 1: LEN }),
  logs: schema('ExportLogsServiceRequest', { 1: LEN }),
};
const ENTRY = {
  metrics: schema('ResourceMetrics', { 1: LEN, 2: LEN, 3: LEN }),
  traces: schema('ResourceSpans', { 1: LEN, 2: LEN, 3: LEN }),
  logs: schema('ResourceLogs', { 1: LEN, 2: LEN, 3: LEN }),
};

/** One Resource{Metrics,Spans,Logs} of a request: its bytes (tag and length prefix included) and its resource. */
export interface ResourceEntry {
  start: number;
  end: number;
  resource: Resource;
}

/**
 * A shallow read of an OTLP protobuf request: where each resource entry lies and its resource, decoded
 * as the full decoder would (the last `resource` field wins, none is an empty one). Its scopes, metrics,
 * spans and records are skipped by their lengths, unread: the main thread of `--workers N` routes on
 * this and leaves the decoding to the workers. The framing it reads is checked as strictly as the
 * decoder checks it (OtlpDecodeError on truncation or a known field's wrong wire type).
 */
export function scanResources(signal: Signal, body: Uint8Array): ResourceEntry[] {
  const r = new WireReader(body);
  const request = REQUEST[signal];
  const entry = ENTRY[signal];
  const entries: ResourceEntry[] = [];
  const length = r.length;
  while (r.pos < length) {
    const start = r.pos;
    const tag = r.tag();
    if (tag !== 0x0a) {
      r.skip(tag, request, length);
      continue;
    }
    const end = r.end(1, request, length);
    let resource = emptyResource();
    while (r.pos < end) {
      const t = r.tag();
      if (t === 0x0a) resource = readResource(r, r.end(1, entry, end));
      else r.skip(t, entry, end);
    }
    r.done(end, entry);
    entries.push({ start, end, resource });
  }
  return entries;
}
