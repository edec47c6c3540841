import { describe, expect, it } from 'vitest';
import { SIGNAL_ROUTES } from '../../src/exporterhelper/routed-items.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import type { LogsBatch } from '../../src/model/logs.ts';
import type { TracesBatch } from '../../src/model/traces.ts';
import { canonicalAttributes, DEFAULT_ROUTING_KEY, fnv1a64, hashHex, hashMod, HashRing, partitionOf, routingKey, routingKeyProblem } from '../../src/routing/index.ts';

/** The reference FNV-1a 64 on BigInt, byte by byte: slow and obviously right. */
function referenceFnv(input: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(input)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

const keys = Array.from({ length: 20_000 }, (_, i) => routingKey('streamID', { resource: { 'service.name': `svc-${i % 97}` }, metric: 'http.server.request.duration', attributes: { route: `/r/${i}`, status: i % 5 } }));

describe('routing hash (FNV-1a 64)', () => {
  it('matches the published test vectors', () => {
    expect(hashHex(fnv1a64(''))).toBe('cbf29ce484222325');
    expect(hashHex(fnv1a64('a'))).toBe('af63dc4c8601ec8c');
    expect(hashHex(fnv1a64('foobar'))).toBe('85944171f73967e8');
  });

  it('equals a byte-wise BigInt reference on ASCII and non-ASCII keys', () => {
    for (const s of ['prompter-api', 'service.name=prompter', 'Zürich ⚡ 東京', '\u0000\u00ff', ...keys.slice(0, 200)]) expect(hashHex(fnv1a64(s))).toBe(referenceFnv(s));
  });

  it('reduces modulo n exactly as the 64-bit integer does', () => {
    for (const s of keys.slice(0, 200)) {
      const big = BigInt(`0x${referenceFnv(s)}`);
      for (const n of [1, 2, 3, 7, 8, 1000, 65_537]) expect(hashMod(fnv1a64(s), n)).toBe(Number(big % BigInt(n)));
    }
  });
});

describe('routing key', () => {
  it('is the same whatever the order of attributes', () => {
    const a = routingKey('streamID', { resource: { 'service.name': 's', host: 'h' }, metric: 'm', attributes: { a: 1, b: 'x' } });
    const b = routingKey('streamID', { resource: { host: 'h', 'service.name': 's' }, metric: 'm', attributes: { b: 'x', a: 1 } });
    expect(a).toBe(b);
  });

  it('keeps each kind to what the Collector routes by', () => {
    const id = { resource: { 'service.name': 'prompter', 'service.instance.id': 'pod-1' }, metric: 'prompter.probe.attempts', attributes: { provider: 'openai' } };
    expect(routingKey('service', id)).toBe('prompter');
    expect(routingKey('resource', id)).toBe('{"service.instance.id":"pod-1","service.name":"prompter"}');
    expect(routingKey('metric', id)).toBe('prompter.probe.attempts');
    expect(routingKey('streamID', id)).toBe('{"service.instance.id":"pod-1","service.name":"prompter"}\nprompter.probe.attempts\n{"provider":"openai"}');
  });

  it('tells apart values of different types and encodes bytes and maps stably', () => {
    expect(canonicalAttributes({ a: 1 })).not.toBe(canonicalAttributes({ a: '1' }));
    expect(canonicalAttributes({ m: { z: 1, a: [true, new Uint8Array([1, 2])] } })).toBe('{"m":{"a":[true,{"bytes":"AQI="}],"z":1}}');
  });
});

describe('partitionOf', () => {
  it('is stable: the same key always gets the same partition (pinned values)', () => {
    expect([partitionOf('prompter-api', 8), partitionOf('celery-worker', 8), partitionOf('', 8)]).toEqual([
      hashMod(fnv1a64('prompter-api'), 8),
      hashMod(fnv1a64('celery-worker'), 8),
      Number(0xcbf29ce484222325n % 8n),
    ]);
    expect(partitionOf('anything', 1)).toBe(0);
  });

  it('spreads keys evenly: every one of 8 partitions gets its share within 5%', () => {
    const counts = new Array<number>(8).fill(0);
    for (const k of keys) counts[partitionOf(k, 8)]!++;
    for (const c of counts) expect(Math.abs(c - keys.length / 8) / (keys.length / 8)).toBeLessThan(0.05);
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionOf('k', 0)).toThrow(RangeError);
    expect(() => partitionOf('k', 1.5)).toThrow(RangeError);
  });
});

describe('HashRing', () => {
  const backends = (n: number) => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}:4317`);
  const assign = (ring: HashRing) => keys.map((k) => ring.memberOf(k));

  it('gives the same owner whatever order the members were added in', () => {
    const a = new HashRing(backends(5));
    const b = new HashRing(backends(5).reverse());
    expect(assign(a)).toEqual(assign(b));
  });

  it('spreads keys: each of 4 members owns its quarter within 15%', () => {
    const owners = assign(new HashRing(backends(4)));
    for (const m of backends(4)) {
      const share = owners.filter((o) => o === m).length / keys.length;
      expect(Math.abs(share - 0.25) / 0.25).toBeLessThan(0.15);
    }
  });

  it('adding a 4th member moves about 1/4 of the keys, all of them to the new member', () => {
    const ring = new HashRing(backends(3));
    const before = assign(ring);
    ring.add(backends(4)[3]!);
    const after = assign(ring);
    const moved = after.filter((o, i) => o !== before[i]);
    expect(moved.every((o) => o === backends(4)[3])).toBe(true);
    expect(moved.length / keys.length).toBeGreaterThan(0.25 * 0.75);
    expect(moved.length / keys.length).toBeLessThan(0.25 * 1.25);
  });

  it('removing one of 5 members moves only its keys, about 1/5 of them', () => {
    const ring = new HashRing(backends(5));
    const before = assign(ring);
    const gone = backends(5)[2]!;
    ring.remove(gone);
    const after = assign(ring);
    for (let i = 0; i < keys.length; i++) if (before[i] !== gone) expect(after[i]).toBe(before[i]);
    const moved = after.filter((o, i) => o !== before[i]).length / keys.length;
    expect(moved).toBeGreaterThan(0.2 * 0.75);
    expect(moved).toBeLessThan(0.2 * 1.25);
  });

  it('has no owner when empty, and set() with the same members changes nothing', () => {
    const ring = new HashRing();
    expect(ring.memberOf('k')).toBeUndefined();
    ring.set(backends(3));
    const before = assign(ring);
    ring.set(backends(3).reverse());
    expect(assign(ring)).toEqual(before);
  });
});

describe('routing key per signal', () => {
  it('routes by trace ID as given (lower-case hex), and to "" without one', () => {
    expect(routingKey('traceID', { resource: {}, traceId: '0af7651916cd43dd8448eb211c80319c' })).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(routingKey('traceID', { resource: {} })).toBe('');
  });

  it('defaults to streamID for metrics and traceID for traces and logs, as the Collector', () => {
    expect(DEFAULT_ROUTING_KEY).toEqual({ metrics: 'streamID', traces: 'traceID', logs: 'traceID' });
  });

  it('says why a kind cannot route a signal, and nothing for one that can (or none set)', () => {
    expect(routingKeyProblem('metric', 'logs')).toMatch(/routing_key "metric" cannot route logs \(for logs: traceID, service, resource, attributes\)/);
    expect(routingKeyProblem('traceID', 'metrics')).toMatch(/cannot route metrics/);
    expect(routingKeyProblem('service', 'traces')).toBeUndefined();
    expect(routingKeyProblem(undefined, 'metrics')).toBeUndefined();
  });
});

describe('routing key: attributes', () => {
  const names = ['tenant', 'region'];

  it('is the listed attributes\' values in the listed order, each from the resource, else the scope, else the item, null when absent', () => {
    expect(routingKey('attributes', { resource: { tenant: 'a', other: 1 }, scope: { region: 'eu' }, attributes: { region: 'us' } }, names)).toBe('["a","eu"]');
    expect(routingKey('attributes', { resource: {}, attributes: { region: 'us', tenant: 7 } }, names)).toBe('[7,"us"]');
    expect(routingKey('attributes', { resource: {} }, names)).toBe('[null,null]');
    // A string "7" and a number 7 are different tenants.
    expect(routingKey('attributes', { resource: { tenant: '7' } }, names)).not.toBe(routingKey('attributes', { resource: { tenant: 7 } }, names));
  });

  it('can route every signal', () => {
    for (const signal of ['metrics', 'traces', 'logs'] as const) expect(routingKeyProblem('attributes', signal)).toBeUndefined();
  });

  it('gives points, spans and log records that agree on the listed attributes one key, whatever else differs, and so one partition', () => {
    const rule = { kind: 'attributes' as const, attributes: names };
    const scope = { name: 's', version: '', attributes: {} };
    const metrics: MetricsBatch = {
      resourceMetrics: ['svc-a', 'svc-b'].map((service) => ({
        resource: { attributes: { 'service.name': service, region: 'eu' } },
        schemaUrl: '',
        scopeMetrics: [{ scope, schemaUrl: '', metrics: [{ type: 'gauge' as const, name: `m-${service}`, description: '', unit: '', points: ['t1', 't2', 't1'].map((tenant, i) => ({ attributes: { tenant, i }, startTimeUnixNano: 0, timeUnixNano: 1, flags: 0, value: i })) }] }],
      })),
    };
    const points = SIGNAL_ROUTES.metrics.split(metrics, rule);
    expect(points.map((p) => p.key)).toEqual(['["t1","eu"]', '["t2","eu"]', '["t1","eu"]', '["t1","eu"]', '["t2","eu"]', '["t1","eu"]']);
    const span = (tenant: string, n: number) => ({ traceId: String(n).padStart(32, '0'), spanId: String(n).padStart(16, '0'), parentSpanId: '', traceState: '', name: 'op', kind: 2, startTimeUnixNano: 0, endTimeUnixNano: 1, attributes: { tenant }, events: [], links: [], status: { code: 0, message: '' } });
    const traces: TracesBatch = { resourceSpans: [{ resource: { attributes: { region: 'eu' } }, schemaUrl: '', scopeSpans: [{ scope, schemaUrl: '', spans: [span('t1', 1), span('t2', 2)] }] }] };
    expect(SIGNAL_ROUTES.traces.split(traces, rule).map((s) => s.key)).toEqual(['["t1","eu"]', '["t2","eu"]']);
    // Found on the scope: one key for the scope's every record, trace ID or not.
    const logs: LogsBatch = { resourceLogs: [{ resource: { attributes: { region: 'eu' } }, schemaUrl: '', scopeLogs: [{ scope: { ...scope, attributes: { tenant: 't1' } }, schemaUrl: '', logRecords: [1, 2].map((n) => ({ timeUnixNano: n, observedTimeUnixNano: 0, severityNumber: 9, severityText: '', body: 'x', attributes: { tenant: 'ignored' }, traceId: n === 1 ? 'ab'.repeat(16) : '', spanId: '', flags: 0, eventName: '' })) }] }] };
    expect(SIGNAL_ROUTES.logs.split(logs, rule).map((l) => l.key)).toEqual(['["t1","eu"]', '["t1","eu"]']);
    expect(partitionOf(points[0]!.key, 8)).toBe(partitionOf(routingKey('attributes', { resource: { tenant: 't1', region: 'eu' } }, names), 8));
  });
});
