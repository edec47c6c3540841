import type { AttributeValue, Attributes } from '../../../src/model/common.ts';
import type { LogRecord, LogsBatch, ResourceLogs, ScopeLogs } from '../../../src/model/logs.ts';
import { EMPTY_RESOURCE, EMPTY_SCOPE, readAnyValue, readKeyValue, readResource, readScope } from './proto-common.ts';
import { Rejections, type DecodeResult } from './result.ts';
import { I32, I64, LEN, VARINT, WireReader } from './wire.ts';

/** Decodes an ExportLogsServiceRequest (opentelemetry.proto.collector.logs.v1). */
export function decodeLogsProto(body: Uint8Array): DecodeResult<LogsBatch> {
  const r = new WireReader(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  const resourceLogs: ResourceLogs[] = [];
  while (r.pos < r.buf.length) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      r.expect(tag & 7, LEN, 1, 'ExportLogsServiceRequest');
      resourceLogs.push(readResourceLogs(r, r.lengthEnd('ResourceLogs')));
    } else r.skip(tag & 7, tag >>> 3);
  }
  return new Rejections('log records').result({ resourceLogs });
}

function readResourceLogs(r: WireReader, end: number): ResourceLogs {
  const rl: ResourceLogs = { resource: EMPTY_RESOURCE(), scopeLogs: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      r.expect(wt, LEN, field, 'ResourceLogs');
      rl.resource = readResource(r, r.lengthEnd('Resource'));
    } else if (field === 2) {
      r.expect(wt, LEN, field, 'ResourceLogs');
      rl.scopeLogs.push(readScopeLogs(r, r.lengthEnd('ScopeLogs')));
    } else if (field === 3) {
      r.expect(wt, LEN, field, 'ResourceLogs');
      rl.schemaUrl = r.string();
    } else r.skip(wt, field);
  }
  r.checkEnd(end, 'ResourceLogs');
  return rl;
}

function readScopeLogs(r: WireReader, end: number): ScopeLogs {
  const sl: ScopeLogs = { scope: EMPTY_SCOPE(), logRecords: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      r.expect(wt, LEN, field, 'ScopeLogs');
      sl.scope = readScope(r, r.lengthEnd('InstrumentationScope'));
    } else if (field === 2) {
      r.expect(wt, LEN, field, 'ScopeLogs');
      sl.logRecords.push(readLogRecord(r, r.lengthEnd('LogRecord')));
    } else if (field === 3) {
      r.expect(wt, LEN, field, 'ScopeLogs');
      sl.schemaUrl = r.string();
    } else r.skip(wt, field);
  }
  r.checkEnd(end, 'ScopeLogs');
  return sl;
}

function readLogRecord(r: WireReader, end: number): LogRecord {
  const attributes: Attributes = {};
  let body: AttributeValue | undefined;
  const l: LogRecord = { timeUnixNano: 0, observedTimeUnixNano: 0, severityNumber: 0, severityText: '', body, attributes, traceId: '', spanId: '', flags: 0, eventName: '' };
  const M = 'LogRecord';
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        r.expect(wt, I64, field, M);
        l.timeUnixNano = r.fixed64();
        break;
      case 11:
        r.expect(wt, I64, field, M);
        l.observedTimeUnixNano = r.fixed64();
        break;
      case 2:
        r.expect(wt, VARINT, field, M);
        l.severityNumber = r.varint32();
        break;
      case 3:
        r.expect(wt, LEN, field, M);
        l.severityText = r.string();
        break;
      case 5:
        r.expect(wt, LEN, field, M);
        l.body = readAnyValue(r, r.lengthEnd('AnyValue'));
        break;
      case 6:
        r.expect(wt, LEN, field, M);
        readKeyValue(r, r.lengthEnd('KeyValue'), attributes);
        break;
      case 8:
        r.expect(wt, I32, field, M);
        l.flags = r.fixed32();
        break;
      case 9:
        r.expect(wt, LEN, field, M);
        l.traceId = r.hex();
        break;
      case 10:
        r.expect(wt, LEN, field, M);
        l.spanId = r.hex();
        break;
      case 12:
        r.expect(wt, LEN, field, M);
        l.eventName = r.string();
        break;
      default:
        r.skip(wt, field);
    }
  }
  r.checkEnd(end, M);
  return l;
}
