import { metricsProcessorFactory } from '../processor-helper.ts';
import { preferConfigSchema } from './config.ts';
import { PreferTransform } from './prefer.ts';
import { passNames } from '../../component/name-flow.ts';

export const preferProcessorFactory = metricsProcessorFactory({
  type: 'prefer',
  configSchema: preferConfigSchema,
  // It drops one service's duplicate source of a metric; the names stay.
  metricNames: passNames,
  create: (settings, config) => new PreferTransform(config, settings),
});
