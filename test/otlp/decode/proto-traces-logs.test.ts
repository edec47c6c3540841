import { describe, expect, it } from 'vitest';
import { decodeLogsProto, decodeTracesProto } from '../../../src/otlp/decode/index.ts';
import type { Span, TracesBatch } from '../../../src/model/traces.ts';
import { oracleLogs, oracleTraces } from './protobufjs-oracle.ts';
import { fixed32, fixed64, len, logsRequest, str, tag, tracesRequest, uint, varint, type Bytes } from './proto-writer.ts';
import { LOG_SPAN, sdkLogs, sdkTraces } from './sdk-fixtures.ts';

const spansOf = (b: TracesBatch): Span[] => b.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
const bytesOfHex = (h: string): Bytes => [...Buffer.from(h, 'hex')];
const span = (traceId: string, spanId: string, name: string, more: Bytes = []): Bytes => [...len(1, bytesOfHex(traceId)), ...len(2, bytesOfHex(spanId)), ...str(5, name), ...more];

describe('OTLP protobuf traces decoder', () => {
  it('reads SDK spans: hex IDs, parent, kinds, status, attributes, events, links, times', async () => {
    const f = await sdkTraces();
    const { batch, rejected } = decodeTracesProto(f.proto);
    expect(rejected).toBe(0);
    expect(batch.resourceSpans[0]!.resource.attributes).toMatchObject({ 'service.name': 'prompter-api' });
    expect(batch.resourceSpans[0]!.scopeSpans[0]!.scope).toEqual({ name: 'http', version: '1.0.0', attributes: {} });
    const spans = spansOf(batch);
    expect(spans.map((s) => s.name).sort()).toEqual(['GET /v1/prompts/:id', 'SELECT prompts', 'upstream']);
    const server = spans.find((s) => s.spanId === f.server.spanId)!;
    const client = spans.find((s) => s.spanId === f.client.spanId)!;
    expect(server).toMatchObject({
      traceId: f.server.traceId,
      parentSpanId: '',
      kind: 2,
      status: { code: 2, message: 'boom' },
      attributes: { 'http.route': '/v1/prompts/:id', 'http.response.status_code': 500 },
    });
    expect(server.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(server.events).toEqual([{ timeUnixNano: expect.any(Number), name: 'exception', attributes: { 'exception.message': 'boom' } }]);
    expect(server.links).toEqual([{ traceId: f.linked.traceId, spanId: f.linked.spanId, traceState: '', attributes: { 'link.kind': 'follows' } }]);
    expect(client).toMatchObject({ traceId: f.server.traceId, parentSpanId: f.server.spanId, kind: 3, status: { code: 1, message: '' } });
    expect(spans.find((s) => s.name === 'upstream')).toMatchObject({ kind: 1, status: { code: 0 } });
    expect(server.endTimeUnixNano).toBeGreaterThanOrEqual(server.startTimeUnixNano);
    expect(Math.abs(server.startTimeUnixNano - Date.now() * 1e6)).toBeLessThan(60e9);
  });

  it('decodes the same bytes to the same model as the protobufjs module', async () => {
    const { proto } = await sdkTraces();
    expect(decodeTracesProto(proto).batch).toEqual(oracleTraces(proto));
  });

  it('counts spans with a missing, short or all-zero trace or span ID as rejected, and keeps the others', () => {
    const good = span('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', 'good');
    const body = tracesRequest(
      good,
      span('0af7651916cd43dd', 'b7ad6b7169203331', 'short'),
      span('00000000000000000000000000000000', 'b7ad6b7169203331', 'zero'),
      [...len(1, bytesOfHex('0af7651916cd43dd8448eb211c80319c')), ...str(5, 'no span id')],
    );
    const { batch, rejected, rejectedMessage } = decodeTracesProto(body);
    expect(rejected).toBe(3);
    expect(rejectedMessage).toMatch(/^3 spans rejected: span "short" has an invalid trace or span ID/);
    expect(spansOf(batch).map((s) => s.name)).toEqual(['good']);
  });

  it('reads a kind sent as a negative ten-byte varint as that negative number, and skips the span flags', () => {
    const body = tracesRequest(span('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', 'x', [...tag(6, 0), ...varint(-1), ...fixed32(16, 0x301), ...uint(99, 5)]));
    expect(spansOf(decodeTracesProto(body).batch)[0]!.kind).toBe(-1);
  });
});

describe('OTLP protobuf logs decoder', () => {
  it('reads SDK log records: times, severity, map and bytes bodies, attributes, trace context, event name', async () => {
    const { proto } = await sdkLogs();
    const { batch, rejected } = decodeLogsProto(proto);
    expect(rejected).toBe(0);
    expect(batch.resourceLogs[0]!.scopeLogs[0]!.scope).toEqual({ name: 'worker', version: '2.0.0', attributes: {} });
    const [warn, event] = batch.resourceLogs[0]!.scopeLogs[0]!.logRecords;
    expect(warn).toMatchObject({
      timeUnixNano: 1_700_000_000_123 * 1e6,
      severityNumber: 13,
      severityText: 'WARN',
      body: { msg: 'disk low', free: 3, nested: { list: [1, 'two'] } },
      attributes: { 'log.file.name': 'worker.py', attempt: 2 },
      traceId: LOG_SPAN.traceId,
      spanId: LOG_SPAN.spanId,
      flags: 1,
      eventName: '',
    });
    expect(warn!.observedTimeUnixNano).toBeGreaterThan(warn!.timeUnixNano);
    expect(event).toMatchObject({ eventName: 'prompt.cached', severityNumber: 9, traceId: '', spanId: '' });
    expect(event!.body).toEqual(Uint8Array.from([1, 2, 250]));
  });

  it('decodes the same bytes to the same model as the protobufjs module', async () => {
    const { proto } = await sdkLogs();
    expect(decodeLogsProto(proto).batch).toEqual(oracleLogs(proto));
  });

  it('leaves the body undefined when a record has none', () => {
    const { batch } = decodeLogsProto(logsRequest([...fixed64(1, 5), ...str(3, 'INFO')]));
    expect(batch.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]).toMatchObject({ timeUnixNano: 5, severityText: 'INFO', body: undefined });
  });
});
