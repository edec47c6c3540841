import { parseArgs } from 'node:util';
import { builtinRegistry } from '../components.ts';
import { ConfigError } from '../config/errors.ts';
import { Gateway } from '../gateway.ts';
import { logSettingsOf } from '../telemetry/log-settings.ts';
import { createLogger, LoggerSettingError } from '../telemetry/logger.ts';
import { VERSION } from '../version.ts';
import { printIssues, validateConfig } from './validate.ts';

const USAGE = `Usage: switchyard <command> --config FILE

Commands:
  run        run the gateway (SIGHUP reloads the config, SIGTERM/SIGINT stop it gracefully)
  validate   check a config file and the files it includes; exit 0 if valid, 1 with every error

Options:
  -c, --config FILE   the gateway config (default: config/gateway.yaml)
  -v, --version       print the version
  -h, --help          print this help
`;

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { config: { type: 'string', short: 'c', default: 'config/gateway.yaml' }, version: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`switchyard ${VERSION}\n`);
    return 0;
  }
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const configFile = values.config!;
  switch (command) {
    case 'validate': {
      const issues = await validateConfig(configFile, builtinRegistry(), process.env);
      if (issues.length === 0) {
        process.stdout.write(`${configFile}: valid\n`);
        return 0;
      }
      printIssues(issues, process.stderr);
      process.stderr.write(`${issues.length} error(s)\n`);
      return 1;
    }
    case 'run':
      return run(configFile);
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

async function run(configFile: string): Promise<number> {
  let logger;
  try {
    logger = createLogger(process.env, logSettingsOf(configFile, process.env));
  } catch (error) {
    if (!(error instanceof LoggerSettingError)) throw error;
    process.stderr.write(`switchyard: ${error.message}\n`);
    return 1;
  }
  const gateway = new Gateway({ configFile, registry: builtinRegistry(), logger });
  // Handlers go in before start: a signal during start-up then stops the gateway once it has started.
  let stopRequested: string | undefined;
  let requestStop: (signal: string) => void = (signal) => (stopRequested = signal);
  process.on('SIGTERM', () => requestStop('SIGTERM'));
  process.on('SIGINT', () => requestStop('SIGINT'));
  try {
    await gateway.start();
  } catch (error) {
    if (error instanceof ConfigError) {
      printIssues(error.issues, process.stderr);
      logger.error({ issues: error.issues.length }, 'Gateway not started: the configuration is invalid.');
    } else {
      logger.error({ err: error }, 'Gateway failed to start.');
    }
    return 1;
  }
  process.on('SIGHUP', () => void gateway.reload());
  return new Promise<number>((resolve) => {
    let stopping = false;
    requestStop = (signal) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'Shutting down: draining the pipelines.');
      gateway.shutdown().then(
        () => {
          logger.info('Gateway stopped.');
          resolve(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'Gateway stopped with errors.');
          resolve(1);
        },
      );
    };
    if (stopRequested) requestStop(stopRequested);
  });
}
