import { existsSync, readFileSync } from 'node:fs';

/**
 * The `service.telemetry` block of a gateway tracing itself into its own OTLP/HTTP port (every span
 * sampled, exported every 200 ms), indented to sit under `service:`.
 */
export function selfTracingTelemetry(otlpPort: number): string {
  return `  telemetry:
    traces:
      sampler: { trace_id_ratio_based: { ratio: 1.0 } }
      processors:
        - batch:
            schedule_delay: 200
            exporter:
              otlp:
                protocol: http/json
                endpoint: http://127.0.0.1:${otlpPort}
`;
}

/** One span as the `log` exporter (verbosity detailed) writes it. */
export interface SpanLine {
  name: string;
  kind: string;
  status: string;
  status_message?: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

/** Every span written to `file` so far (none while it does not exist). */
export function spanLines(file: string): SpanLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as SpanLine);
}
