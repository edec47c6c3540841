import type { ExporterFactory } from '../../src/component/component.ts';
import { routingKeyIssues } from '../../src/exporterhelper/routing-config.ts';
import { loadbalancingConfigSchema, type LoadbalancingConfig } from './config.ts';
import { LoadbalancingExporter } from './loadbalancing-exporter.ts';

export const loadbalancingExporterFactory: ExporterFactory<LoadbalancingConfig> = {
  kind: 'exporter',
  type: 'loadbalancing',
  signals: ['metrics', 'traces', 'logs'],
  configSchema: loadbalancingConfigSchema,
  checkSignal: routingKeyIssues,
  create: (settings, config) => new LoadbalancingExporter(settings, config),
};
