import pino, { type Logger } from 'pino';
import { redactSecrets } from '../config/secret-values.ts';
import type { LogsConfig } from './config.ts';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const FORMATS = ['json', 'pretty', 'console'];

/** A LOG_LEVEL or LOG_FORMAT the logger cannot use; the CLI prints its message as one line. */
export class LoggerSettingError extends Error {
  override name = 'LoggerSettingError';
}

/**
 * The process logger: JSON lines on stderr (stdout belongs to the `log` exporter when its path is
 * stdout), level from LOG_LEVEL, `LOG_FORMAT=pretty` (or `console`) for a human at a terminal.
 * `service.telemetry.logs` (`level`, `encoding: json | console`, `initial_fields`) wins over both, as the
 * Collector's config does. Lines go through `process.stderr`, the same stream a `log` exporter on
 * stderr uses, so their lines never cut into each other.
 */
export function createLogger(env: NodeJS.ProcessEnv = process.env, logs: Partial<LogsConfig> = {}): Logger {
  const level = logs.level ?? (env.LOG_LEVEL || 'info');
  const format = logs.encoding ?? (env.LOG_FORMAT || 'json');
  if (!LEVELS.includes(level)) throw new LoggerSettingError(`LOG_LEVEL "${level}" is not a level; use one of ${LEVELS.join(', ')}`);
  if (!FORMATS.includes(format)) throw new LoggerSettingError(`LOG_FORMAT "${format}" is not a format; use json or pretty`);
  return pino(
    {
      level,
      base: { ...logs.initial_fields, service: 'switchyard' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // The last stop before the stream: no token, password or API key is written, whoever logged it.
      hooks: { streamWrite: redactSecrets },
    },
    format === 'json' ? process.stderr : prettyStream(),
  );
}

/** A dependency-free one-line-per-entry rendering; pino-pretty is not worth a dependency here. */
function prettyStream(): NodeJS.WritableStream & { write(line: string): boolean } {
  return {
    write(line: string): boolean {
      try {
        const { time, level, msg, service: _service, ...rest } = JSON.parse(line) as Record<string, unknown>;
        const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
        return process.stderr.write(`${String(time)} ${String(level).toUpperCase().padEnd(5)} ${String(msg ?? '')}${extra}\n`);
      } catch {
        return process.stderr.write(line);
      }
    },
  } as NodeJS.WritableStream & { write(line: string): boolean };
}
