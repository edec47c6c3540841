import type { Attributes } from '../../model/common.ts';
import type { ResourceSpans, ScopeSpans, Span, SpanEvent, SpanLink, TracesBatch } from '../../model/traces.ts';
import { emptyResource, emptyScope, readKeyValue, readResource, readScope } from './proto-common.ts';
import { Rejections, type DecodeResult } from './result.ts';
import { validSpan } from './span-validation.ts';
import { I32, I64, LEN, VARINT, WireReader, schema } from './wire.ts';

/** opentelemetry.proto.collector.trace.v1 and trace.v1 (field numbers from the official protos). */
const REQUEST = schema('ExportTraceServiceRequest', { 1: LEN });
const RESOURCE_SPANS = schema('ResourceSpans', { 1: LEN, 2: LEN, 3: LEN });
const SCOPE_SPANS = schema('ScopeSpans', { 1: LEN, 2: LEN, 3: LEN });
const SPAN = schema('Span', { 1: LEN, 2: LEN, 3: LEN, 4: LEN, 5: LEN, 6: VARINT, 7: I64, 8: I64, 9: LEN, 10: VARINT, 11: LEN, 12: VARINT, 13: LEN, 14: VARINT, 15: LEN, 16: I32 });
const EVENT = schema('Span.Event', { 1: I64, 2: LEN, 3: LEN, 4: VARINT });
const LINK = schema('Span.Link', { 1: LEN, 2: LEN, 3: LEN, 4: LEN, 5: VARINT, 6: I32 });
const STATUS = schema('Status', { 2: LEN, 3: VARINT });

/** Decodes an ExportTraceServiceRequest. */
export function decodeTracesProto(body: Uint8Array): DecodeResult<TracesBatch> {
  const r = new WireReader(body);
  const rej = new Rejections('spans');
  const resourceSpans: ResourceSpans[] = [];
  const end = r.length;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) resourceSpans.push(readResourceSpans(r, r.end(1, REQUEST, end), rej));
    else r.skip(tag, REQUEST, end);
  }
  return rej.result({ resourceSpans });
}

function readResourceSpans(r: WireReader, end: number, rej: Rejections): ResourceSpans {
  const rs: ResourceSpans = { resource: emptyResource(), scopeSpans: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) rs.resource = readResource(r, r.end(1, RESOURCE_SPANS, end));
    else if (tag === 0x12) rs.scopeSpans.push(readScopeSpans(r, r.end(2, RESOURCE_SPANS, end), rej));
    else if (tag === 0x1a) rs.schemaUrl = r.string(3, RESOURCE_SPANS, end);
    else r.skip(tag, RESOURCE_SPANS, end);
  }
  r.done(end, RESOURCE_SPANS);
  return rs;
}

function readScopeSpans(r: WireReader, end: number, rej: Rejections): ScopeSpans {
  const ss: ScopeSpans = { scope: emptyScope(), spans: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) ss.scope = readScope(r, r.end(1, SCOPE_SPANS, end));
    else if (tag === 0x12) {
      const span = readSpan(r, r.end(2, SCOPE_SPANS, end));
      if (validSpan(span, rej)) ss.spans.push(span);
    } else if (tag === 0x1a) ss.schemaUrl = r.string(3, SCOPE_SPANS, end);
    else r.skip(tag, SCOPE_SPANS, end);
  }
  r.done(end, SCOPE_SPANS);
  return ss;
}

function readSpan(r: WireReader, end: number): Span {
  const attributes: Attributes = {};
  const s: Span = {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    traceState: '',
    name: '',
    kind: 0,
    startTimeUnixNano: 0,
    endTimeUnixNano: 0,
    attributes,
    events: [],
    links: [],
    status: { code: 0, message: '' },
  };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x0a:
        s.traceId = r.hex(1, SPAN, end);
        break;
      case 0x12:
        s.spanId = r.hex(2, SPAN, end);
        break;
      case 0x1a:
        s.traceState = r.string(3, SPAN, end);
        break;
      case 0x22:
        s.parentSpanId = r.hex(4, SPAN, end);
        break;
      case 0x2a:
        s.name = r.string(5, SPAN, end);
        break;
      case 0x30:
        s.kind = r.int32();
        break;
      case 0x39:
        s.startTimeUnixNano = r.fixed64();
        break;
      case 0x41:
        s.endTimeUnixNano = r.fixed64();
        break;
      case 0x4a:
        readKeyValue(r, r.end(9, SPAN, end), attributes);
        break;
      case 0x5a:
        s.events.push(readEvent(r, r.end(11, SPAN, end)));
        break;
      case 0x6a:
        s.links.push(readLink(r, r.end(13, SPAN, end)));
        break;
      case 0x7a:
        s.status = readStatus(r, r.end(15, SPAN, end));
        break;
      default:
        r.skip(tag, SPAN, end);
    }
  }
  r.done(end, SPAN);
  return s;
}

function readEvent(r: WireReader, end: number): SpanEvent {
  const e: SpanEvent = { timeUnixNano: 0, name: '', attributes: {} };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x09) e.timeUnixNano = r.fixed64();
    else if (tag === 0x12) e.name = r.string(2, EVENT, end);
    else if (tag === 0x1a) readKeyValue(r, r.end(3, EVENT, end), e.attributes);
    else r.skip(tag, EVENT, end);
  }
  r.done(end, EVENT);
  return e;
}

function readLink(r: WireReader, end: number): SpanLink {
  const l: SpanLink = { traceId: '', spanId: '', traceState: '', attributes: {} };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) l.traceId = r.hex(1, LINK, end);
    else if (tag === 0x12) l.spanId = r.hex(2, LINK, end);
    else if (tag === 0x1a) l.traceState = r.string(3, LINK, end);
    else if (tag === 0x22) readKeyValue(r, r.end(4, LINK, end), l.attributes);
    else r.skip(tag, LINK, end);
  }
  r.done(end, LINK);
  return l;
}

function readStatus(r: WireReader, end: number): Span['status'] {
  const status = { code: 0, message: '' };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x12) status.message = r.string(2, STATUS, end);
    else if (tag === 0x18) status.code = r.int32();
    else r.skip(tag, STATUS, end);
  }
  r.done(end, STATUS);
  return status;
}
