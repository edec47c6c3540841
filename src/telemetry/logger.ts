import pino, { type Logger } from 'pino';

/**
 * The process logger: JSON lines on stderr (stdout belongs to the `log` exporter when its path is
 * stdout), level from LOG_LEVEL, `LOG_FORMAT=pretty` for a human at a terminal.
 */
export function createLogger(env: NodeJS.ProcessEnv = process.env): Logger {
  const level = env.LOG_LEVEL ?? 'info';
  const pretty = env.LOG_FORMAT === 'pretty';
  return pino(
    {
      level,
      base: { service: 'switchyard' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pretty ? prettyStream() : pino.destination({ fd: 2, sync: true }),
  );
}

/** A dependency-free one-line-per-entry rendering; pino-pretty is not worth a dependency here. */
function prettyStream(): NodeJS.WritableStream & { write(line: string): boolean } {
  return {
    write(line: string): boolean {
      try {
        const { time, level, msg, service: _service, ...rest } = JSON.parse(line) as Record<string, unknown>;
        const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
        process.stderr.write(`${String(time)} ${String(level).toUpperCase().padEnd(5)} ${String(msg ?? '')}${extra}\n`);
      } catch {
        process.stderr.write(line);
      }
      return true;
    },
  } as NodeJS.WritableStream & { write(line: string): boolean };
}
