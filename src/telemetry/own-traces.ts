import type { Tracer } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { VERSION } from '../version.ts';
import type { SamplerConfig, TelemetryConfig } from '../config/telemetry.ts';
import { ForwardingSpanExporter, fromWireSpan, type WireSpan } from './forwarded-spans.ts';
import { spanExporter } from './otlp-exporters.ts';

/** How long a worker thread keeps finished spans before handing them to the main thread. */
const FORWARD_DELAY_MS = 100;

function sampler(config: SamplerConfig): Sampler {
  if ('always_on' in config) return new AlwaysOnSampler();
  if ('always_off' in config) return new AlwaysOffSampler();
  if ('trace_id_ratio_based' in config) return new TraceIdRatioBasedSampler(config.trace_id_ratio_based.ratio);
  return new ParentBasedSampler({ root: sampler(config.parent_based.root) });
}

/**
 * `service.telemetry.traces` through the OpenTelemetry SDK: a tracer provider with the gateway's
 * resource, the configured sampler and a BatchSpanProcessor with an OTLP exporter per processor.
 * Off (no tracer at all) unless a processor is configured and the level is not `none`.
 *
 * In a worker thread (`forward` given) the tracer samples as configured, but its spans go to the main
 * thread every 0.1 s, which hands them to its own processors (`receive`): one set of exporters per
 * process, one resource.
 */
export class OwnTraces {
  private provider: BasicTracerProvider | undefined;
  private processors: SpanProcessor[] = [];

  constructor(
    private readonly config: TelemetryConfig,
    private readonly resource: Resource,
    private readonly logger: Logger,
    private readonly forward?: (spans: WireSpan[]) => void,
  ) {}

  start(): Tracer | undefined {
    const traces = this.config.traces;
    if (traces.level === 'none' || traces.processors.length === 0) return undefined;
    const batches = traces.processors.map(({ batch }) => batch!);
    const maxQueueSize = Math.max(...batches.map((b) => b.max_queue_size));
    this.processors = this.forward
      ? [new BatchSpanProcessor(new ForwardingSpanExporter(this.forward), { scheduledDelayMillis: FORWARD_DELAY_MS, maxQueueSize, maxExportBatchSize: maxQueueSize })]
      : batches.map((batch) =>
          new BatchSpanProcessor(spanExporter(batch.exporter.otlp!), {
            scheduledDelayMillis: batch.schedule_delay,
            exportTimeoutMillis: batch.export_timeout,
            maxQueueSize: batch.max_queue_size,
            maxExportBatchSize: Math.min(batch.max_export_batch_size, batch.max_queue_size),
          }),
        );
    this.provider = new BasicTracerProvider({ resource: this.resource, sampler: sampler(traces.sampler), spanProcessors: this.processors });
    return this.provider.getTracer('switchyard', VERSION);
  }

  /** A worker thread's finished spans (already sampled there): exported as this process's own. */
  receive(spans: readonly WireSpan[]): void {
    if (!this.provider) return;
    for (const wire of spans) {
      const span = fromWireSpan(wire, this.resource);
      for (const processor of this.processors) processor.onEnd(span);
    }
  }

  /** Exports what is still batched, then stops. */
  async shutdown(): Promise<void> {
    const provider = this.provider;
    this.provider = undefined;
    this.processors = [];
    await provider?.shutdown().catch((error: unknown) => this.logger.warn({ err: error }, 'Own traces: the last export failed.'));
  }
}
