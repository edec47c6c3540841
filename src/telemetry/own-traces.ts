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
} from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { VERSION } from '../version.ts';
import type { SamplerConfig, TelemetryConfig } from './config.ts';
import { spanExporter } from './otlp-exporters.ts';

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
 */
export class OwnTraces {
  private provider: BasicTracerProvider | undefined;

  constructor(
    private readonly config: TelemetryConfig,
    private readonly resource: Resource,
    private readonly logger: Logger,
  ) {}

  start(): Tracer | undefined {
    const traces = this.config.traces;
    if (traces.level === 'none' || traces.processors.length === 0) return undefined;
    const spanProcessors = traces.processors.map(({ batch }) =>
      new BatchSpanProcessor(spanExporter(batch!.exporter.otlp!), {
        scheduledDelayMillis: batch!.schedule_delay,
        exportTimeoutMillis: batch!.export_timeout,
        maxQueueSize: batch!.max_queue_size,
        maxExportBatchSize: Math.min(batch!.max_export_batch_size, batch!.max_queue_size),
      }),
    );
    this.provider = new BasicTracerProvider({ resource: this.resource, sampler: sampler(traces.sampler), spanProcessors });
    return this.provider.getTracer('switchyard', VERSION);
  }

  /** Exports what is still batched, then stops. */
  async shutdown(): Promise<void> {
    const provider = this.provider;
    this.provider = undefined;
    await provider?.shutdown().catch((error: unknown) => this.logger.warn({ err: error }, 'Own traces: the last export failed.'));
  }
}
