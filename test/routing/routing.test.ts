import { describe, expect, it } from 'vitest';
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
    expect(routingKeyProblem('metric', 'logs')).toMatch(/routing_key "metric" cannot route logs \(for logs: traceID, service, resource\)/);
    expect(routingKeyProblem('traceID', 'metrics')).toMatch(/cannot route metrics/);
    expect(routingKeyProblem('service', 'traces')).toBeUndefined();
    expect(routingKeyProblem(undefined, 'metrics')).toBeUndefined();
  });
});
