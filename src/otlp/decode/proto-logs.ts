import type { Attributes } from '../../model/common.ts';
import type { LogRecord, LogsBatch, ResourceLogs, ScopeLogs } from '../../model/logs.ts';
import { emptyResource, emptyScope, readAnyValue, readKeyValue, readResource, readScope } from './proto-common.ts';
import { Rejections, type DecodeResult } from './result.ts';
import { I32, I64, LEN, VARINT, WireReader, schema } from './wire.ts';

/** opentelemetry.proto.collector.logs.v1 and logs.v1 (field numbers from the official protos). */
const REQUEST = schema('ExportLogsServiceRequest', { 1: LEN });
const RESOURCE_LOGS = schema('ResourceLogs', { 1: LEN, 2: LEN, 3: LEN });
const SCOPE_LOGS = schema('ScopeLogs', { 1: LEN, 2: LEN, 3: LEN });
const LOG_RECORD = schema('LogRecord', { 1: I64, 2: VARINT, 3: LEN, 5: LEN, 6: LEN, 7: VARINT, 8: I32, 9: LEN, 10: LEN, 11: I64, 12: LEN });

/** Decodes an ExportLogsServiceRequest. Every well-formed log record is usable, so none is rejected. */
export function decodeLogsProto(body: Uint8Array): DecodeResult<LogsBatch> {
  const r = new WireReader(body);
  const resourceLogs: ResourceLogs[] = [];
  const end = r.length;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) resourceLogs.push(readResourceLogs(r, r.end(1, REQUEST, end)));
    else r.skip(tag, REQUEST, end);
  }
  return new Rejections('log records').result({ resourceLogs });
}

function readResourceLogs(r: WireReader, end: number): ResourceLogs {
  const rl: ResourceLogs = { resource: emptyResource(), scopeLogs: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) rl.resource = readResource(r, r.end(1, RESOURCE_LOGS, end));
    else if (tag === 0x12) rl.scopeLogs.push(readScopeLogs(r, r.end(2, RESOURCE_LOGS, end)));
    else if (tag === 0x1a) rl.schemaUrl = r.string(3, RESOURCE_LOGS, end);
    else r.skip(tag, RESOURCE_LOGS, end);
  }
  r.done(end, RESOURCE_LOGS);
  return rl;
}

function readScopeLogs(r: WireReader, end: number): ScopeLogs {
  const sl: ScopeLogs = { scope: emptyScope(), logRecords: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) sl.scope = readScope(r, r.end(1, SCOPE_LOGS, end));
    else if (tag === 0x12) sl.logRecords.push(readLogRecord(r, r.end(2, SCOPE_LOGS, end)));
    else if (tag === 0x1a) sl.schemaUrl = r.string(3, SCOPE_LOGS, end);
    else r.skip(tag, SCOPE_LOGS, end);
  }
  r.done(end, SCOPE_LOGS);
  return sl;
}

function readLogRecord(r: WireReader, end: number): LogRecord {
  const attributes: Attributes = {};
  const l: LogRecord = {
    timeUnixNano: 0,
    observedTimeUnixNano: 0,
    severityNumber: 0,
    severityText: '',
    body: undefined,
    attributes,
    traceId: '',
    spanId: '',
    flags: 0,
    eventName: '',
  };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x09:
        l.timeUnixNano = r.fixed64();
        break;
      case 0x10:
        l.severityNumber = r.int32();
        break;
      case 0x1a:
        l.severityText = r.string(3, LOG_RECORD, end);
        break;
      case 0x2a:
        l.body = readAnyValue(r, r.end(5, LOG_RECORD, end));
        break;
      case 0x32:
        readKeyValue(r, r.end(6, LOG_RECORD, end), attributes);
        break;
      case 0x45:
        l.flags = r.fixed32();
        break;
      case 0x4a:
        l.traceId = r.hex(9, LOG_RECORD, end);
        break;
      case 0x52:
        l.spanId = r.hex(10, LOG_RECORD, end);
        break;
      case 0x59:
        l.observedTimeUnixNano = r.fixed64();
        break;
      case 0x62:
        l.eventName = r.string(12, LOG_RECORD, end);
        break;
      default:
        r.skip(tag, LOG_RECORD, end);
    }
  }
  r.done(end, LOG_RECORD);
  return l;
}
