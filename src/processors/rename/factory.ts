import { metricsProcessorFactory } from '../processor-helper.ts';
import { renameConfigSchema } from './config.ts';
import { RenameTransform } from './rename.ts';
import { renameNames } from './names.ts';

export const renameProcessorFactory = metricsProcessorFactory({
  type: 'rename',
  configSchema: renameConfigSchema,
  metricNames: renameNames,
  // Points are relabelled in place (src/pipeline/README.md): the fan-out copies a shared batch for it.
  mutatesData: true,
  create: (settings, config) => new RenameTransform(config, settings),
});
