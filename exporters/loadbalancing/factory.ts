import type { ExporterFactory } from '../../src/component/component.ts';
import { loadbalancingConfigSchema, type LoadbalancingConfig } from './config.ts';
import { LoadbalancingExporter } from './loadbalancing-exporter.ts';

export const loadbalancingExporterFactory: ExporterFactory<LoadbalancingConfig> = {
  kind: 'exporter',
  type: 'loadbalancing',
  signals: ['metrics'],
  configSchema: loadbalancingConfigSchema,
  create: (settings, config) => new LoadbalancingExporter(settings, config),
};
