import { loadConfig } from '../config/load.ts';
import { logsSchema, type LogsConfig } from '../config/telemetry.ts';

/**
 * `service.telemetry.logs` of a config file, read before the gateway starts so that the logger it
 * starts with already has the config's level and encoding. Nothing when the file or the block is
 * unusable: the gateway's start then reports every config error, with file and line, through the
 * logger of LOG_LEVEL/LOG_FORMAT.
 */
export function logSettingsOf(configFile: string, env: NodeJS.ProcessEnv): Partial<LogsConfig> {
  const raw = loadConfig(configFile, env);
  const telemetry = raw.telemetry?.value;
  if (typeof telemetry !== 'object' || telemetry === null || !('logs' in telemetry)) return {};
  const parsed = logsSchema.safeParse(telemetry.logs ?? undefined);
  return parsed.success ? parsed.data : {};
}
