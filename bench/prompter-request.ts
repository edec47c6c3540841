/**
 * One OTLP metrics request shaped like the Prompter API's, as the SDK serializes it: the stable HTTP
 * duration histogram with the attributes instrumentation-http records (method, route, status, scheme,
 * protocol version, error type) over 40 routes, and the domain instruments of ARCHITECTURE.md §5 with
 * their labels (providers × models, tables, queues, endpoints). Label sets stay under the pipeline's
 * cardinality limits, so what is measured is the normal path, not the overflow one.
 */
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { decodeMetricsProto } from '../src/otlp/decode/index.ts';
import { countDataPoints } from '../src/model/metrics.ts';
import { CollectingReader } from './decode.ts';
import { CELERY_RUNTIME_BOUNDS_S, ENSURE_VERSION_BOUNDS_S } from '../examples/prompter-demo/instruments.ts';

const ROUTES = Array.from({ length: 40 }, (_, i) => `/v1/resource_${i}/:id`);
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const STATUSES = [200, 404, 500];
const PROVIDERS = ['openai', 'anthropic', 'google', 'mistral', 'cohere', 'azure', 'bedrock', 'groq'];
const MODELS = Array.from({ length: 12 }, (_, i) => `model-${i}`);
const QUEUES = ['prompter', 'default', 'probes', 'exports'];

export async function prompterRequest(service = 'prompter-api'): Promise<{ proto: Uint8Array; points: number }> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment.name': 'bench' }), readers: [reader] });
  const http = provider.getMeter('@opentelemetry/instrumentation-http', '0.223.0');
  const duration = http.createHistogram('http.server.request.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] } });
  let n = 0;
  for (const route of ROUTES) {
    for (const method of METHODS) {
      for (const status of STATUSES) {
        for (const version of ['1.1', '2']) {
          const attrs = { 'http.request.method': method, 'http.route': route, 'http.response.status_code': status, 'url.scheme': 'http', 'network.protocol.version': version, ...(status >= 500 ? { 'error.type': String(status) } : {}) };
          for (let i = 0; i < 3; i++) duration.record(((n++ % 97) + 1) / 200, attrs);
        }
      }
    }
  }
  const m = provider.getMeter('prompter', '7.0.0');
  const attempts = m.createCounter('prompter.probe.attempts');
  const failures = m.createCounter('prompter.probe.failures');
  const ensure = m.createHistogram('prompter.ensure_version.duration', { unit: 's', advice: { explicitBucketBoundaries: ENSURE_VERSION_BOUNDS_S } });
  for (const p of PROVIDERS) {
    for (const model of MODELS) {
      attempts.add(10, { provider: p, model });
      failures.add(1, { provider: p, model });
    }
    ensure.record(0.4, { provider: p });
  }
  m.createCounter('prompter.version_cache.hits').add(30);
  m.createCounter('prompter.version.lookups').add(40);
  m.createCounter('prompter.prompt_results.inserts').add(20);
  m.createCounter('prompter.openai_fingerprint.present').add(15);
  const unique = m.createCounter('prompter.db.unique_violations');
  for (const table of ['prompt_results', 'prompt_templates', 'prompt_versions']) unique.add(2, { table });
  m.createObservableGauge('prompter.redis.up').addCallback((r) => r.observe(1));
  const runtime = m.createHistogram('celery.task.runtime', { unit: 's', advice: { explicitBucketBoundaries: CELERY_RUNTIME_BOUNDS_S } });
  const retries = m.createCounter('celery.task.retries');
  for (const queue of QUEUES) {
    runtime.record(1.5, { queue });
    retries.add(1, { queue });
  }
  const limited = m.createCounter('prompter.rate_limit.hits');
  for (const route of ROUTES) limited.add(1, { endpoint: route });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const proto = ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!;
  return { proto, points: countDataPoints(decodeMetricsProto(proto).batch) };
}
