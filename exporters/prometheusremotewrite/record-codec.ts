import type { PromSample } from '../../src/translate/prometheus-samples.ts';
import { STALE_NAN } from '../../src/translate/prometheus-samples.ts';

/** How a group of samples is stored in the persistent queue: JSON, with the non-finite values spelled out. */
type Stored = [labels: [string, string][], value: number | string, timestampMs: number];

const staleBits = Buffer.alloc(8);
staleBits.writeDoubleLE(STALE_NAN);

function isStale(v: number): boolean {
  if (!Number.isNaN(v)) return false;
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return b.equals(staleBits);
}

export function encodeSamples(samples: readonly PromSample[]): Buffer {
  const rows: Stored[] = samples.map((s) => [s.labels, Number.isFinite(s.value) ? s.value : isStale(s.value) ? 'stale' : String(s.value), s.timestampMs]);
  return Buffer.from(JSON.stringify(rows));
}

export function decodeSamples(payload: Buffer): PromSample[] {
  return (JSON.parse(payload.toString('utf8')) as Stored[]).map(([labels, v, timestampMs]) => ({
    labels,
    value: typeof v === 'number' ? v : v === 'stale' ? STALE_NAN : Number(v),
    timestampMs,
  }));
}
