import type { Span, TracesBatch } from '../../model/traces.ts';
import { attributes, resource, scope } from './json-common.ts';
import { child, enumValue, hexId, int, mapObjects, parseJson, str, type Json } from './json-reader.ts';
import { Rejections, type DecodeResult } from './result.ts';
import { validSpan } from './span-validation.ts';

const SPAN_KIND = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_CODE = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** Decodes an ExportTraceServiceRequest in OTLP/JSON. */
export function decodeTracesJson(text: string): DecodeResult<TracesBatch> {
  const doc = parseJson(text);
  const rej = new Rejections('spans');
  const resourceSpans = mapObjects(doc, 'resourceSpans', (rs) => ({
    resource: resource(rs),
    scopeSpans: mapObjects(rs, 'scopeSpans', (ss) => ({
      scope: scope(ss),
      spans: mapObjects(ss, 'spans', (s) => {
        const span = readSpan(s);
        return validSpan(span, rej) ? span : undefined;
      }),
      schemaUrl: str(ss, 'schemaUrl'),
    })),
    schemaUrl: str(rs, 'schemaUrl'),
  }));
  return rej.result({ resourceSpans });
}

function readSpan(s: Json): Span {
  return {
    traceId: hexId(s, 'traceId'),
    spanId: hexId(s, 'spanId'),
    parentSpanId: hexId(s, 'parentSpanId'),
    traceState: str(s, 'traceState'),
    name: str(s, 'name'),
    kind: enumValue(s, 'kind', SPAN_KIND),
    startTimeUnixNano: int(s, 'startTimeUnixNano'),
    endTimeUnixNano: int(s, 'endTimeUnixNano'),
    attributes: attributes(s, 'attributes'),
    events: mapObjects(s, 'events', (e) => ({ timeUnixNano: int(e, 'timeUnixNano'), name: str(e, 'name'), attributes: attributes(e, 'attributes') })),
    links: mapObjects(s, 'links', (l) => ({ traceId: hexId(l, 'traceId'), spanId: hexId(l, 'spanId'), traceState: str(l, 'traceState'), attributes: attributes(l, 'attributes') })),
    status: child(s, 'status', (st) => ({ code: enumValue(st, 'code', STATUS_CODE), message: str(st, 'message') })) ?? { code: 0, message: '' },
  };
}
