import { parseExposition } from './prom-text.ts';

export type Transport = 'http' | 'grpc';

/** A tier-2 gateway: OTLP received as `protocols` (a YAML flow mapping) says, served on its Prometheus page. */
export const downstreamConfig = (protocols: string): string => `receivers:
  otlp: { protocols: ${protocols} }
exporters:
  prometheus: { endpoint: "127.0.0.1:0" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheus] }
`;

/** A tier-1 gateway: OTLP/HTTP in, the loadbalancing exporter over `transport` to `hostnames` (with client `tls`, a YAML flow mapping). */
export const tierOneConfig = (transport: Transport, hostnames: string[], tls?: string): string => `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  loadbalancing:
    routing_key: streamID
    protocol:
      otlp:
        transport: ${transport}
        timeout: 2s
        batch_send_deadline: 100ms
        retry_on_failure: { initial_interval: 200ms, max_interval: 1s, max_elapsed_time: 0s }${tls ? `\n        tls: ${tls}` : ''}
    resolver:
      static: { hostnames: [${hostnames.map((h) => `"${h}"`).join(', ')}] }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [loadbalancing] }
`;

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
