import type { TracesBatch } from '../../../src/model/traces.ts';
import { attributes, enumValue, field, hexId, int, object, objects, parseJson, resource, scope, str } from './json-reader.ts';
import { Rejections, type DecodeResult } from './result.ts';

const SPAN_KIND = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_CODE = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** Decodes an ExportTraceServiceRequest in OTLP/JSON. */
export function decodeTracesJson(text: string): DecodeResult<TracesBatch> {
  const doc = parseJson(text);
  const rej = new Rejections('spans');
  const batch: TracesBatch = {
    resourceSpans: objects(doc, 'resourceSpans', '$').map(([rs, p]) => ({
      resource: resource(rs, p),
      schemaUrl: str(rs, 'schemaUrl', p),
      scopeSpans: objects(rs, 'scopeSpans', p).map(([ss, sp]) => ({
        scope: scope(ss, sp),
        schemaUrl: str(ss, 'schemaUrl', sp),
        spans: objects(ss, 'spans', sp).flatMap(([s, path]) => {
          const status = field(s, 'status');
          const st = status == null ? {} : object(status, `${path}.status`);
          const span = {
            traceId: hexId(s, 'traceId', path),
            spanId: hexId(s, 'spanId', path),
            parentSpanId: hexId(s, 'parentSpanId', path),
            traceState: str(s, 'traceState', path),
            name: str(s, 'name', path),
            kind: enumValue(s, 'kind', path, SPAN_KIND),
            startTimeUnixNano: int(s, 'startTimeUnixNano', path),
            endTimeUnixNano: int(s, 'endTimeUnixNano', path),
            attributes: attributes(s, 'attributes', path),
            events: objects(s, 'events', path).map(([e, ep]) => ({ timeUnixNano: int(e, 'timeUnixNano', ep), name: str(e, 'name', ep), attributes: attributes(e, 'attributes', ep) })),
            links: objects(s, 'links', path).map(([l, lp]) => ({
              traceId: hexId(l, 'traceId', lp),
              spanId: hexId(l, 'spanId', lp),
              traceState: str(l, 'traceState', lp),
              attributes: attributes(l, 'attributes', lp),
            })),
            status: { code: enumValue(st, 'code', `${path}.status`, STATUS_CODE), message: str(st, 'message', `${path}.status`) },
          };
          if (span.traceId.length === 32 && span.spanId.length === 16) return [span];
          rej.reject(1, `span "${span.name}" has an invalid trace or span ID`);
          return [];
        }),
      })),
    })),
  };
  return rej.result(batch);
}
