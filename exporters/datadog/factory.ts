import type { ExporterFactory } from '../../src/component/component.ts';
import { datadogExporterConfigSchema, type DatadogExporterConfig } from './config.ts';
import { DatadogExporter } from './datadog-exporter.ts';
import { datadogNames } from './names.ts';

export const datadogExporterFactory: ExporterFactory<DatadogExporterConfig> = {
  kind: 'exporter',
  type: 'datadog',
  signals: ['metrics'],
  configSchema: datadogExporterConfigSchema,
  metricNames: datadogNames,
  disabledReason: (c) => (c.api.key === '' ? 'api.key is empty' : undefined),
  create: (settings, config) => new DatadogExporter(settings, config),
};
