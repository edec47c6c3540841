import { describe, expect, it } from 'vitest';
import { encodeLogsRequest } from '../../src/exporterhelper/otlp-logs-encoder.ts';
import { encodeTracesRequest } from '../../src/exporterhelper/otlp-traces-encoder.ts';
import type { LogsBatch } from '../../src/model/logs.ts';
import type { TracesBatch } from '../../src/model/traces.ts';
import { decodeLogsProto, decodeTracesProto } from '../../src/otlp/decode/index.ts';

const resource = { attributes: { 'service.name': 'prompter-api', 'deployment.environment.name': 'prod', shard: 3 } };
const scope = { name: '@opentelemetry/instrumentation-http', version: '0.52.0', attributes: { lib: true } };

const traces: TracesBatch = {
  resourceSpans: [
    {
      resource,
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      scopeSpans: [
        {
          scope,
          schemaUrl: '',
          spans: [
            {
              traceId: '0af7651916cd43dd8448eb211c80319c',
              spanId: 'b7ad6b7169203331',
              parentSpanId: '',
              traceState: 'vendor=x',
              name: 'GET /v1/prompts/:id',
              kind: 2,
              startTimeUnixNano: 1_733_400_000_000_000_000,
              endTimeUnixNano: 1_733_400_000_250_000_000,
              attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, ratio: 0.5, tags: ['a', 'b'], nested: { k: 'v' } },
              events: [{ timeUnixNano: 1_733_400_000_100_000_000, name: 'cache.miss', attributes: { key: 'p1' } }],
              links: [{ traceId: '1af7651916cd43dd8448eb211c80319c', spanId: 'c7ad6b7169203331', traceState: '', attributes: { why: 'batch' } }],
              status: { code: 2, message: 'upstream timeout' },
            },
            {
              traceId: '0af7651916cd43dd8448eb211c80319c',
              spanId: 'a7ad6b7169203332',
              parentSpanId: 'b7ad6b7169203331',
              traceState: '',
              name: 'SELECT prompts',
              kind: 3,
              startTimeUnixNano: 1_733_400_000_010_000_000,
              endTimeUnixNano: 1_733_400_000_020_000_000,
              attributes: {},
              events: [],
              links: [],
              status: { code: 0, message: '' },
            },
          ],
        },
      ],
    },
  ],
};

const logs: LogsBatch = {
  resourceLogs: [
    {
      resource,
      schemaUrl: '',
      scopeLogs: [
        {
          scope,
          schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
          logRecords: [
            { timeUnixNano: 1_733_400_000_000_000_000, observedTimeUnixNano: 1_733_400_000_001_000_000, severityNumber: 17, severityText: 'ERROR', body: 'probe failed', attributes: { provider: 'openai' }, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', flags: 1, eventName: 'probe.failure' },
            { timeUnixNano: 0, observedTimeUnixNano: 1_733_400_000_002_000_000, severityNumber: 9, severityText: '', body: { msg: 'structured', n: 2 }, attributes: {}, traceId: '', spanId: '', flags: 0, eventName: '' },
            { timeUnixNano: 1_733_400_000_003_000_000, observedTimeUnixNano: 0, severityNumber: 0, severityText: '', body: undefined, attributes: { only: 'attributes' }, traceId: '', spanId: '', flags: 0, eventName: '' },
          ],
        },
      ],
    },
  ],
};

describe('OTLP protobuf encoders for traces and logs', () => {
  it('encodes spans (ids, kinds, times, attributes, events, links, status) that our decoder reads back unchanged', () => {
    const decoded = decodeTracesProto(encodeTracesRequest(traces));
    expect(decoded.rejected).toBe(0);
    expect(decoded.batch).toEqual(traces);
  });

  it('encodes log records (bodies of every shape, trace context, flags, event name) that our decoder reads back unchanged', () => {
    const decoded = decodeLogsProto(encodeLogsRequest(logs));
    expect(decoded.batch).toEqual(logs);
  });

  it('encodes an empty batch as an empty request', () => {
    expect(encodeTracesRequest({ resourceSpans: [] }).length).toBe(0);
    expect(encodeLogsRequest({ resourceLogs: [] }).length).toBe(0);
  });
});
