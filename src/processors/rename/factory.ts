import { metricsProcessorFactory } from '../processor-helper.ts';
import { renameConfigSchema } from './config.ts';
import { RenameTransform } from './rename.ts';

export const renameProcessorFactory = metricsProcessorFactory({
  type: 'rename',
  configSchema: renameConfigSchema,
  create: (settings, config) => new RenameTransform(config, settings),
});
