import { gzipSync } from 'node:zlib';
import type { DdPoint } from './translate.ts';

/** The intake's limits per request (DataDog's v2 series API). */
export const MAX_COMPRESSED = 512_000;
export const MAX_UNCOMPRESSED = 5_242_880;

const TYPE = { count: 1, gauge: 3 } as const;

/** A v2 `MetricSeries`, one point per series item. */
function series(p: DdPoint): Record<string, unknown> {
  return {
    metric: p.metric,
    type: TYPE[p.type],
    points: [{ timestamp: p.timestamp, value: p.value }],
    tags: p.tags,
    ...(p.host ? { resources: [{ name: p.host, type: 'host' }] } : {}),
    ...(p.interval ? { interval: p.interval } : {}),
  };
}

/**
 * Pure: gzipped `{"series": [...]}` bodies, split so that each stays under both size limits (a body over
 * either is halved until it fits; a single series over them cannot be sent and is returned apart).
 */
export function buildBodies(points: readonly DdPoint[]): { bodies: Buffer[]; tooLarge: number } {
  const bodies: Buffer[] = [];
  let tooLarge = 0;
  const build = (items: readonly DdPoint[]) => {
    const json = Buffer.from(JSON.stringify({ series: items.map(series) }));
    const gz = json.length <= MAX_UNCOMPRESSED ? gzipSync(json) : undefined;
    if (gz && gz.length <= MAX_COMPRESSED) {
      bodies.push(gz);
      return;
    }
    if (items.length === 1) {
      tooLarge++;
      return;
    }
    const half = Math.ceil(items.length / 2);
    build(items.slice(0, half));
    build(items.slice(half));
  };
  if (points.length > 0) build(points);
  return { bodies, tooLarge };
}
