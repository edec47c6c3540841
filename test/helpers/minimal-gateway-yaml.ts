/**
 * The smallest gateway config: OTLP/HTTP → `batch` → a Prometheus scrape endpoint in one pipeline named
 * `metrics`, every port free. `admin` is more of `service.admin`'s flow mapping (e.g. its `auth`).
 */
export function minimalGatewayYaml(admin = ''): string {
  return `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
processors:
  batch: {}
exporters:
  prometheus: { endpoint: "127.0.0.1:0" }
service:
  admin: { endpoint: "127.0.0.1:0"${admin ? `, ${admin}` : ''} }
  pipelines:
    metrics: { receivers: [otlp], processors: [batch], exporters: [prometheus] }
`;
}
