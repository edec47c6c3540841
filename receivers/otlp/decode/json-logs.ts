import type { LogsBatch } from '../../../src/model/logs.ts';
import { anyValue, attributes, field, hexId, int, object, objects, parseJson, resource, scope, str } from './json-reader.ts';
import { Rejections, type DecodeResult } from './result.ts';

/** Decodes an ExportLogsServiceRequest in OTLP/JSON. */
export function decodeLogsJson(text: string): DecodeResult<LogsBatch> {
  const doc = parseJson(text);
  const batch: LogsBatch = {
    resourceLogs: objects(doc, 'resourceLogs', '$').map(([rl, p]) => ({
      resource: resource(rl, p),
      schemaUrl: str(rl, 'schemaUrl', p),
      scopeLogs: objects(rl, 'scopeLogs', p).map(([sl, sp]) => ({
        scope: scope(sl, sp),
        schemaUrl: str(sl, 'schemaUrl', sp),
        logRecords: objects(sl, 'logRecords', sp).map(([l, lp]) => {
          const body = field(l, 'body');
          return {
            timeUnixNano: int(l, 'timeUnixNano', lp),
            observedTimeUnixNano: int(l, 'observedTimeUnixNano', lp),
            severityNumber: int(l, 'severityNumber', lp),
            severityText: str(l, 'severityText', lp),
            body: body == null ? undefined : anyValue(object(body, `${lp}.body`), `${lp}.body`),
            attributes: attributes(l, 'attributes', lp),
            traceId: hexId(l, 'traceId', lp),
            spanId: hexId(l, 'spanId', lp),
            flags: int(l, 'flags', lp),
            eventName: str(l, 'eventName', lp),
          };
        }),
      })),
    })),
  };
  return new Rejections('log records').result(batch);
}
