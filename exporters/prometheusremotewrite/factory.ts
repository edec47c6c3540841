import type { ExporterFactory } from '../../src/component/component.ts';
import { prometheusNames } from '../../src/translate/prometheus-names.ts';
import { remoteWriteConfigSchema, type RemoteWriteConfig } from './config.ts';
import { RemoteWriteExporter } from './remote-write-exporter.ts';

export const remoteWriteExporterFactory: ExporterFactory<RemoteWriteConfig> = {
  kind: 'exporter',
  type: 'prometheusremotewrite',
  signals: ['metrics'],
  metricNames: prometheusNames,
  configSchema: remoteWriteConfigSchema,
  disabledReason: (c) => (c.endpoint === '' ? 'its endpoint is empty' : undefined),
  create: (settings, config) => new RemoteWriteExporter(settings, config),
};
