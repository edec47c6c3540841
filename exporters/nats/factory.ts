import type { ExporterFactory } from '../../src/component/component.ts';
import { routingKeyIssues } from '../../src/exporterhelper/routing-config.ts';
import { natsExporterConfigSchema, type NatsExporterConfig } from './config.ts';
import { NatsExporter } from './nats-exporter.ts';

export const natsExporterFactory: ExporterFactory<NatsExporterConfig> = {
  kind: 'exporter',
  type: 'nats',
  signals: ['metrics', 'traces', 'logs'],
  configSchema: natsExporterConfigSchema,
  checkSignal: routingKeyIssues,
  create: (settings, config) => new NatsExporter(settings, config),
};
