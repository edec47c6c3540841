import { parseExposition } from './prom-text.ts';

/**
 * One round of the loadbalancing tests: a delta of 1 to each of `series` counter series (`lb.hits`,
 * attribute `series` = s0…), as OTLP/JSON, so a downstream's exposition counts exactly what reached it.
 */
export function roundRequest(round: number, series: number): string {
  const now = Date.now() * 1e6;
  const dataPoints = Array.from({ length: series }, (_, i) => ({
    asDouble: 1,
    startTimeUnixNano: String(now - 1e9),
    timeUnixNano: String(now),
    attributes: [{ key: 'series', value: { stringValue: `s${i}` } }],
  }));
  return JSON.stringify({
    resourceMetrics: [
      { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'lb' } }] }, scopeMetrics: [{ metrics: [{ name: 'lb.hits', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints } }] }] },
    ],
    round,
  });
}

/** series → value of `lb_hits_total` on a downstream gateway's Prometheus page. */
export async function lbHits(prometheusEndpoint: string): Promise<Map<string, number>> {
  const text = await (await fetch(`http://${prometheusEndpoint}/metrics`)).text();
  const out = new Map<string, number>();
  for (const s of parseExposition(text)) if (s.name === 'lb_hits_total') out.set(s.labels.series!, s.value);
  return out;
}

/** The sum of every count in `maps`. */
export const totalHits = (maps: Map<string, number>[]): number => maps.reduce((a, m) => a + [...m.values()].reduce((x, y) => x + y, 0), 0);
