import type { ExporterFactory } from '../../src/component/component.ts';
import { logExporterConfigSchema, type LogExporterConfig } from './config.ts';
import { LogExporter } from './log-exporter.ts';

export const logExporterFactory: ExporterFactory<LogExporterConfig> = {
  kind: 'exporter',
  type: 'log',
  signals: ['metrics', 'traces', 'logs'],
  configSchema: logExporterConfigSchema,
  create: (settings, config) => new LogExporter(settings, config),
};
