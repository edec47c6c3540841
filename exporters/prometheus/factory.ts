import type { ExporterFactory } from '../../src/component/component.ts';
import { prometheusNames } from '../../src/translate/prometheus-names.ts';
import { prometheusExporterConfigSchema, type PrometheusExporterConfig } from './config.ts';
import { PrometheusExporter } from './prometheus-exporter.ts';

export const prometheusExporterFactory: ExporterFactory<PrometheusExporterConfig> = {
  kind: 'exporter',
  type: 'prometheus',
  signals: ['metrics'],
  metricNames: prometheusNames,
  configSchema: prometheusExporterConfigSchema,
  endpoints: (c) => [{ path: ['endpoint'], endpoint: c.endpoint }],
  scrapeListener: (c) => c,
  create: (settings, config) => new PrometheusExporter(settings, config),
};
