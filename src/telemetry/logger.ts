import pino, { type Logger } from 'pino';
import { redactSecrets } from '../config/secret-values.ts';
import type { LogsConfig } from '../config/telemetry.ts';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const FORMATS = ['json', 'pretty', 'console'];

/** A LOG_LEVEL or LOG_FORMAT the logger cannot use; the CLI prints its message as one line. */
export class LoggerSettingError extends Error {
  override name = 'LoggerSettingError';
}

/** The level and encoding in force: `service.telemetry.logs` when it says, else LOG_LEVEL/LOG_FORMAT, else info/json. */
function resolveSettings(env: NodeJS.ProcessEnv, logs: Partial<LogsConfig>): { level: string; readable: boolean } {
  const level = logs.level ?? (env.LOG_LEVEL || 'info');
  const format = logs.encoding ?? (env.LOG_FORMAT || 'json');
  if (!LEVELS.includes(level)) throw new LoggerSettingError(`LOG_LEVEL "${level}" is not a level; use one of ${LEVELS.join(', ')}`);
  if (!FORMATS.includes(format)) throw new LoggerSettingError(`LOG_FORMAT "${format}" is not a format; use json or pretty`);
  return { level, readable: format !== 'json' };
}

/**
 * The process logger: JSON lines on stderr (stdout belongs to the `log` exporter when its path is
 * stdout), level from LOG_LEVEL, `LOG_FORMAT=pretty` (or `console`) for a human at a terminal.
 * `service.telemetry.logs` (`level`, `encoding: json | console`, `initial_fields`) wins over both, as the
 * Collector's config does. Lines go through `process.stderr`, the same stream a `log` exporter on
 * stderr uses, so their lines never cut into each other.
 */
export function createLogger(env: NodeJS.ProcessEnv = process.env, logs: Partial<LogsConfig> = {}): Logger {
  const { level, readable } = resolveSettings(env, logs);
  const stream = new LogStream(readable, logs.initial_fields);
  return pino(
    {
      level,
      base: { service: 'switchyard' },
      // initial_fields are added to each line as it is written, not bound at creation, so that a reload can change them for every logger.
      mixin: () => ({ ...stream.fields }),
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // The last stop before the stream: no token, password or API key is written, whoever logged it.
      hooks: { streamWrite: redactSecrets },
    },
    stream,
  );
}

/**
 * A reload's `service.telemetry.logs` applied to a running logger made by createLogger (or a child of
 * one): the level, the encoding and `initial_fields` change at once for every child logger that did not
 * set a level of its own (pino's children read the level, the stream and the mixin from their parent).
 * A field a line is logged with wins over an initial field of the same name. Throws LoggerSettingError
 * as createLogger.
 */
export function applyLogSettings(logger: Logger, env: NodeJS.ProcessEnv, logs: Partial<LogsConfig>): void {
  const { level, readable } = resolveSettings(env, logs);
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
  if (stream instanceof LogStream) {
    stream.readable = readable;
    stream.fields = logs.initial_fields ?? {};
  }
  logger.level = level;
}

/** Where the lines go: stderr as JSON, or rendered readable; switchable while running (a reload), as the fields every line gets. */
class LogStream {
  constructor(
    public readable: boolean,
    public fields: Readonly<Record<string, string | number | boolean>> = {},
  ) {}

  write(line: string): boolean {
    return this.readable ? writeReadable(line) : process.stderr.write(line);
  }
}

/** A dependency-free one-line-per-entry rendering; pino-pretty is not worth a dependency here. */
function writeReadable(line: string): boolean {
  try {
    const { time, level, msg, service: _service, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
    return process.stderr.write(`${String(time)} ${String(level).toUpperCase().padEnd(5)} ${String(msg ?? '')}${extra}\n`);
  } catch {
    return process.stderr.write(line);
  }
}
