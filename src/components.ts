import type { Factory } from './component/component.ts';
import { FactoryRegistry } from './component/registry.ts';
import { datadogExporterFactory } from '../exporters/datadog/factory.ts';
import { loadbalancingExporterFactory } from '../exporters/loadbalancing/factory.ts';
import { natsExporterFactory } from '../exporters/nats/factory.ts';
import { logExporterFactory } from '../exporters/log/factory.ts';
import { prometheusExporterFactory } from '../exporters/prometheus/factory.ts';
import { remoteWriteExporterFactory } from '../exporters/prometheusremotewrite/factory.ts';
import { hostmetricsReceiverFactory } from '../receivers/hostmetrics/factory.ts';
import { natsReceiverFactory } from '../receivers/nats/factory.ts';
import { otlpReceiverFactory } from '../receivers/otlp/factory.ts';
import { prometheusReceiverFactory } from '../receivers/prometheus/factory.ts';
import { spanmetricsConnectorFactory } from './connectors/spanmetrics/factory.ts';
import { attributesProcessorFactory } from './processors/attributes/factory.ts';
import { batchProcessorFactory } from './processors/batch/factory.ts';
import { cardinalityProcessorFactory } from './processors/cardinality/factory.ts';
import { filterProcessorFactory } from './processors/filter/factory.ts';
import { llmcostProcessorFactory } from './processors/llmcost/factory.ts';
import { memoryLimiterProcessorFactory } from './processors/memory_limiter/factory.ts';
import { preferProcessorFactory } from './processors/prefer/factory.ts';
import { ratioProcessorFactory } from './processors/ratio/factory.ts';
import { renameProcessorFactory } from './processors/rename/factory.ts';

/** The components built into this distribution; the only module that names concrete components. */
export function builtinFactories(): Factory[] {
  return [
    otlpReceiverFactory,
    prometheusReceiverFactory,
    hostmetricsReceiverFactory,
    natsReceiverFactory,
    prometheusExporterFactory,
    remoteWriteExporterFactory,
    datadogExporterFactory,
    logExporterFactory,
    loadbalancingExporterFactory,
    natsExporterFactory,
    renameProcessorFactory,
    attributesProcessorFactory,
    filterProcessorFactory,
    preferProcessorFactory,
    ratioProcessorFactory,
    llmcostProcessorFactory,
    cardinalityProcessorFactory,
    memoryLimiterProcessorFactory,
    batchProcessorFactory,
    spanmetricsConnectorFactory,
  ];
}

export function builtinRegistry(): FactoryRegistry {
  return new FactoryRegistry(builtinFactories());
}
