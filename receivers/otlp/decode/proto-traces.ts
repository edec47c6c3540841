import type { Attributes } from '../../../src/model/common.ts';
import type { ResourceSpans, ScopeSpans, Span, SpanEvent, SpanLink, TracesBatch } from '../../../src/model/traces.ts';
import { EMPTY_RESOURCE, EMPTY_SCOPE, readKeyValue, readResource, readScope } from './proto-common.ts';
import { Rejections, type DecodeResult } from './result.ts';
import { I64, LEN, VARINT, WireReader } from './wire.ts';

/** Decodes an ExportTraceServiceRequest (opentelemetry.proto.collector.trace.v1). */
export function decodeTracesProto(body: Uint8Array): DecodeResult<TracesBatch> {
  const r = new WireReader(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  const rejections = new Rejections('spans');
  const resourceSpans: ResourceSpans[] = [];
  while (r.pos < r.buf.length) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      r.expect(tag & 7, LEN, 1, 'ExportTraceServiceRequest');
      resourceSpans.push(readResourceSpans(r, r.lengthEnd('ResourceSpans'), rejections));
    } else r.skip(tag & 7, tag >>> 3);
  }
  return rejections.result({ resourceSpans });
}

function readResourceSpans(r: WireReader, end: number, rej: Rejections): ResourceSpans {
  const rs: ResourceSpans = { resource: EMPTY_RESOURCE(), scopeSpans: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      r.expect(wt, LEN, field, 'ResourceSpans');
      rs.resource = readResource(r, r.lengthEnd('Resource'));
    } else if (field === 2) {
      r.expect(wt, LEN, field, 'ResourceSpans');
      rs.scopeSpans.push(readScopeSpans(r, r.lengthEnd('ScopeSpans'), rej));
    } else if (field === 3) {
      r.expect(wt, LEN, field, 'ResourceSpans');
      rs.schemaUrl = r.string();
    } else r.skip(wt, field);
  }
  r.checkEnd(end, 'ResourceSpans');
  return rs;
}

function readScopeSpans(r: WireReader, end: number, rej: Rejections): ScopeSpans {
  const ss: ScopeSpans = { scope: EMPTY_SCOPE(), spans: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      r.expect(wt, LEN, field, 'ScopeSpans');
      ss.scope = readScope(r, r.lengthEnd('InstrumentationScope'));
    } else if (field === 2) {
      r.expect(wt, LEN, field, 'ScopeSpans');
      const span = readSpan(r, r.lengthEnd('Span'));
      if (span.traceId.length === 32 && span.spanId.length === 16) ss.spans.push(span);
      else rej.reject(1, `span "${span.name}" has an invalid trace or span ID`);
    } else if (field === 3) {
      r.expect(wt, LEN, field, 'ScopeSpans');
      ss.schemaUrl = r.string();
    } else r.skip(wt, field);
  }
  r.checkEnd(end, 'ScopeSpans');
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
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        r.expect(wt, LEN, field, 'Span');
        s.traceId = r.hex();
        break;
      case 2:
        r.expect(wt, LEN, field, 'Span');
        s.spanId = r.hex();
        break;
      case 3:
        r.expect(wt, LEN, field, 'Span');
        s.traceState = r.string();
        break;
      case 4:
        r.expect(wt, LEN, field, 'Span');
        s.parentSpanId = r.hex();
        break;
      case 5:
        r.expect(wt, LEN, field, 'Span');
        s.name = r.string();
        break;
      case 6:
        r.expect(wt, VARINT, field, 'Span');
        s.kind = r.varint32();
        break;
      case 7:
        r.expect(wt, I64, field, 'Span');
        s.startTimeUnixNano = r.fixed64();
        break;
      case 8:
        r.expect(wt, I64, field, 'Span');
        s.endTimeUnixNano = r.fixed64();
        break;
      case 9:
        r.expect(wt, LEN, field, 'Span');
        readKeyValue(r, r.lengthEnd('KeyValue'), attributes);
        break;
      case 11:
        r.expect(wt, LEN, field, 'Span');
        s.events.push(readEvent(r, r.lengthEnd('Span.Event')));
        break;
      case 13:
        r.expect(wt, LEN, field, 'Span');
        s.links.push(readLink(r, r.lengthEnd('Span.Link')));
        break;
      case 15:
        r.expect(wt, LEN, field, 'Span');
        s.status = readStatus(r, r.lengthEnd('Status'));
        break;
      default:
        r.skip(wt, field);
    }
  }
  r.checkEnd(end, 'Span');
  return s;
}

function readEvent(r: WireReader, end: number): SpanEvent {
  const e: SpanEvent = { timeUnixNano: 0, name: '', attributes: {} };
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      r.expect(wt, I64, field, 'Span.Event');
      e.timeUnixNano = r.fixed64();
    } else if (field === 2) {
      r.expect(wt, LEN, field, 'Span.Event');
      e.name = r.string();
    } else if (field === 3) {
      r.expect(wt, LEN, field, 'Span.Event');
      readKeyValue(r, r.lengthEnd('KeyValue'), e.attributes);
    } else r.skip(wt, field);
  }
  r.checkEnd(end, 'Span.Event');
  return e;
}

function readLink(r: WireReader, end: number): SpanLink {
  const l: SpanLink = { traceId: '', spanId: '', traceState: '', attributes: {} };
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      r.expect(wt, LEN, field, 'Span.Link');
      l.traceId = r.hex();
    } else if (field === 2) {
      r.expect(wt, LEN, field, 'Span.Link');
      l.spanId = r.hex();
    } else if (field === 3) {
      r.expect(wt, LEN, field, 'Span.Link');
      l.traceState = r.string();
    } else if (field === 4) {
      r.expect(wt, LEN, field, 'Span.Link');
      readKeyValue(r, r.lengthEnd('KeyValue'), l.attributes);
    } else r.skip(wt, field);
  }
  r.checkEnd(end, 'Span.Link');
  return l;
}

function readStatus(r: WireReader, end: number): Span['status'] {
  const status = { code: 0, message: '' };
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 2) {
      r.expect(wt, LEN, field, 'Status');
      status.message = r.string();
    } else if (field === 3) {
      r.expect(wt, VARINT, field, 'Status');
      status.code = r.varint32();
    } else r.skip(wt, field);
  }
  r.checkEnd(end, 'Status');
  return status;
}

