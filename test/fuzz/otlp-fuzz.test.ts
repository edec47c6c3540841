import { describe, expect, it } from 'vitest';
import { fuzzGatewayRun } from './fuzz-gateway.ts';

/**
 * `npm test` runs a short pass with a fixed seed; `npm run fuzz` the full one (FUZZ_HTTP=100000,
 * FUZZ_GRPC=10000, and FUZZ_SEED to explore further). A finding names its case index: rerun with the
 * same seed to replay it.
 */
const HTTP = Number(process.env.FUZZ_HTTP ?? 1_500);
const GRPC = Number(process.env.FUZZ_GRPC ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20261205);

describe('the running gateway under generated malformed OTLP', () => {
  it(`answers ${HTTP} malformed HTTP bodies (protobuf and JSON) and ${GRPC} gRPC ones with 4xx or a clean error: no crash, no hang, no 5xx but the memory limiter's 503; every interleaved valid request lands; the heap comes back`, async () => {
    const report = await fuzzGatewayRun({ seed: SEED, httpCount: HTTP, grpcCount: GRPC });
    console.log(`fuzz seed ${SEED}: ${JSON.stringify(report)}`);
    expect(report.crashed).toBe(false);
    expect(report.hangs).toEqual([]);
    expect(report.bad).toEqual([]);
    expect(report.unexpectedErrors).toEqual([]);
    expect(report.httpSent).toBe(HTTP);
    expect(report.grpcSent).toBe(GRPC);
    expect(report.validSent).toBeGreaterThan(0);
    expect(report.validLanded).toBe(report.validSent);
    expect(report.heapAfterMiB).toBeLessThanOrEqual(report.heapBaselineMiB * 1.5 + 32);
  }, Number(process.env.FUZZ_TIMEOUT_MS ?? 600_000));
});
