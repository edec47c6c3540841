import type { LogRecord, LogsBatch } from '../../model/logs.ts';
import { anyValue, attributes, resource, scope } from './json-common.ts';
import { child, enumValue, hexId, int, mapObjects, parseJson, str, type Json } from './json-reader.ts';
import { Rejections, type DecodeResult } from './result.ts';

/** SeverityNumber names, index = number: UNSPECIFIED, then TRACE, TRACE2..4, DEBUG…, INFO…, WARN…, ERROR…, FATAL…. */
const SEVERITY = ['SEVERITY_NUMBER_UNSPECIFIED'].concat(
  ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].map((s) => [`SEVERITY_NUMBER_${s}`, `SEVERITY_NUMBER_${s}2`, `SEVERITY_NUMBER_${s}3`, `SEVERITY_NUMBER_${s}4`]),
);

/** Decodes an ExportLogsServiceRequest in OTLP/JSON. Every well-formed log record is usable, so none is rejected. */
export function decodeLogsJson(text: string): DecodeResult<LogsBatch> {
  const doc = parseJson(text);
  const resourceLogs = mapObjects(doc, 'resourceLogs', (rl) => ({
    resource: resource(rl),
    scopeLogs: mapObjects(rl, 'scopeLogs', (sl) => ({
      scope: scope(sl),
      logRecords: mapObjects(sl, 'logRecords', readLogRecord),
      schemaUrl: str(sl, 'schemaUrl'),
    })),
    schemaUrl: str(rl, 'schemaUrl'),
  }));
  return new Rejections('log records').result({ resourceLogs });
}

function readLogRecord(l: Json): LogRecord {
  return {
    timeUnixNano: int(l, 'timeUnixNano'),
    observedTimeUnixNano: int(l, 'observedTimeUnixNano'),
    severityNumber: enumValue(l, 'severityNumber', SEVERITY),
    severityText: str(l, 'severityText'),
    body: child(l, 'body', (b) => anyValue(b, 0)),
    attributes: attributes(l, 'attributes'),
    traceId: hexId(l, 'traceId'),
    spanId: hexId(l, 'spanId'),
    flags: int(l, 'flags'),
    eventName: str(l, 'eventName'),
  };
}
