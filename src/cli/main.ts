import { parseArgs } from 'node:util';
import { builtinRegistry } from '../components.ts';
import { ConfigError } from '../config/errors.ts';
import { Gateway } from '../gateway.ts';
import { logSettingsOf } from '../telemetry/log-settings.ts';
import { createLogger, LoggerSettingError } from '../telemetry/logger.ts';
import { VERSION } from '../version.ts';
import { WorkerPool } from '../workers/worker-pool.ts';
import { checkDashboard } from './check-dashboard.ts';
import { tap } from './tap.ts';
import { printIssues, validateConfig } from './validate.ts';

const USAGE = `Usage: switchyard <command> --config FILE

Commands:
  run        run the gateway (SIGHUP reloads the config, SIGTERM/SIGINT stop it gracefully)
  validate   check a config file and the files it includes; exit 0 if valid, 1 with every error
  check-dashboard FILE…   list what a Grafana or DataDog dashboard queries that the gateway does not produce
                          (switchyard check-dashboard --help)
  tap --admin URL --pipeline ID (--after|--before) COMPONENT [--match REGEX]
                          watch a sample of the points at a place in a pipeline (switchyard tap --help)

Options:
  -c, --config FILE   the gateway config (default: config/gateway.yaml)
  -w, --workers N     run: worker threads for the pipelines (default 1: one thread, no routing; more
                      threads: ≈1.2× with 2 on 2 cores); a series always reaches the same worker
  -v, --version       print the version
  -h, --help          print this help
`;

/** Commands with options of their own, given the arguments after their name. */
const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  'check-dashboard': (argv) => checkDashboard(argv),
  tap: (argv) => {
    // Ctrl-C ends the stream and still prints how many points were sampled and dropped.
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    return tap(argv, process.stdout, process.stderr, abort.signal);
  },
};

export async function main(argv: string[]): Promise<number> {
  const sub = argv[0] !== undefined ? SUBCOMMANDS[argv[0]] : undefined;
  if (sub) return sub(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { config: { type: 'string', short: 'c', default: 'config/gateway.yaml' }, workers: { type: 'string', short: 'w' }, version: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' } },
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
    case 'run': {
      const workers = parseWorkers(values.workers);
      if (workers === undefined) {
        process.stderr.write(`--workers must be a whole number from 1 to 256, got "${values.workers}"\n`);
        return 2;
      }
      return run(configFile, workers);
    }
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

/**
 * `--workers`: a count, 1 when absent. Two workers measured a median 1.2× the points/s of one on 2 cores
 * (src/workers/README.md: one worker's process already uses ≈1.3 cores), so more threads stay opt-in.
 */
function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return 1;
  const n = Number(value);
  return /^\d+$/.test(value) && n >= 1 && n <= 256 ? n : undefined;
}

async function run(configFile: string, workers: number): Promise<number> {
  let logger;
  try {
    logger = createLogger(process.env, logSettingsOf(configFile, process.env));
  } catch (error) {
    if (!(error instanceof LoggerSettingError)) throw error;
    process.stderr.write(`switchyard: ${error.message}\n`);
    return 1;
  }
  // One worker is today's single process exactly: no threads, no routing.
  const host = workers > 1 ? new WorkerPool({ configFile, count: workers, logger }) : undefined;
  const gateway = new Gateway({ configFile, registry: builtinRegistry(), logger, ...(host ? { host } : {}) });
  // Handlers go in before start: a signal during start-up then stops the gateway once it has started.
  let stopRequested: string | undefined;
  let requestStop: (signal: string) => void = (signal) => (stopRequested = signal);
  process.on('SIGTERM', () => requestStop('SIGTERM'));
  process.on('SIGINT', () => requestStop('SIGINT'));
  // SIGHUP's default is to end the process: one arriving while the gateway starts (right after the
  // "Gateway started." line is written, on a busy machine) is kept and served once it has started.
  let reloadRequested = false;
  let requestReload = () => void (reloadRequested = true);
  process.on('SIGHUP', () => requestReload());
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
  requestReload = () => void gateway.reload();
  if (reloadRequested) requestReload();
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
