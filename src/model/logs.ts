import type { AttributeValue, Attributes, InstrumentationScope, Resource } from './common.ts';

export interface LogRecord {
  timeUnixNano: number;
  observedTimeUnixNano: number;
  severityNumber: number;
  severityText: string;
  body: AttributeValue | undefined;
  attributes: Attributes;
  /** Lower-case hex, or empty. */
  traceId: string;
  spanId: string;
  flags: number;
  eventName: string;
}

export interface ScopeLogs {
  scope: InstrumentationScope;
  logRecords: LogRecord[];
  schemaUrl: string;
}

export interface ResourceLogs {
  resource: Resource;
  scopeLogs: ScopeLogs[];
  schemaUrl: string;
}

export interface LogsBatch {
  resourceLogs: ResourceLogs[];
}

export function countLogRecords(batch: LogsBatch): number {
  let n = 0;
  for (const rl of batch.resourceLogs) for (const sl of rl.scopeLogs) n += sl.logRecords.length;
  return n;
}
