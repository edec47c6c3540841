import { ConfigFault, type CreateSettings, type Exporter } from '../../src/component/component.ts';
import { ConsumerError } from '../../src/consumer/errors.ts';
import { BoundedQueue } from '../../src/exporterhelper/bounded-queue.ts';
import type { Signal } from '../../src/model/common.ts';
import type { LogsBatch } from '../../src/model/logs.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import type { TracesBatch } from '../../src/model/traces.ts';
import type { LogExporterConfig } from './config.ts';
import { logLines, metricLines, spanLines } from './format.ts';
import { RotatingFileSink, streamSink, type LineSink } from './sink.ts';

interface Job {
  signal: Signal;
  lines: string[];
}

/** The `log` exporter: every data point, span and log record as one JSON line. */
export class LogExporter implements Exporter {
  private sink: LineSink | undefined;
  private readonly queue: BoundedQueue<Job>;
  /** Batches queued and not yet being written, by signal: the queue-size gauge per signal. */
  private readonly waiting: Record<Signal, number> = { metrics: 0, traces: 0, logs: 0 };

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: LogExporterConfig,
  ) {
    this.queue = new BoundedQueue<Job>(config.sending_queue, async (job) => this.write(job), {
      onDropped: (job, items, error) => {
        settings.telemetry.failed(job.signal, items, 'write_error');
        settings.health.reportError(error);
      },
      onQueued: (job, size) => this.countWaiting(job.signal, +1, size),
      onDequeued: (job, size) => this.countWaiting(job.signal, -1, size),
    });
    settings.health.setDetail('queue_batches', 0);
  }

  async start(): Promise<void> {
    const path = this.config.path;
    if (path === 'stdout' || path === 'stderr') {
      this.sink = streamSink(path === 'stdout' ? process.stdout : process.stderr);
      return;
    }
    try {
      this.sink = new RotatingFileSink(path, this.config.max_file_size, this.config.max_files);
    } catch (error) {
      throw new ConfigFault(['path'], `cannot open ${path} for appending: ${(error as Error).message}`);
    }
  }

  async shutdown(): Promise<void> {
    await this.queue.drain();
    this.sink?.close();
    this.sink = undefined;
  }

  consumeMetrics(batch: MetricsBatch): Promise<void> {
    return this.enqueue('metrics', metricLines(batch, this.config.verbosity));
  }

  consumeTraces(batch: TracesBatch): Promise<void> {
    return this.enqueue('traces', spanLines(batch, this.config.verbosity));
  }

  consumeLogs(batch: LogsBatch): Promise<void> {
    return this.enqueue('logs', logLines(batch, this.config.verbosity));
  }

  private async enqueue(signal: Signal, lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    await this.queue.offer({ signal, lines }, lines.length);
  }

  private async write(job: Job): Promise<void> {
    if (!this.sink) throw ConsumerError.retryable('the log exporter is not started');
    const sink = this.sink;
    await this.settings.telemetry.timedSend(job.signal, () => sink.write(`${job.lines.join('\n')}\n`));
    this.settings.telemetry.sent(job.signal, job.lines.length);
    // The status page's "last success" for this exporter: the last batch written.
    this.settings.health.reportOk();
  }

  private countWaiting(signal: Signal, delta: number, total: number): void {
    this.waiting[signal] += delta;
    this.settings.telemetry.queueSize(this.waiting[signal], signal);
    this.settings.health.setDetail('queue_batches', total);
  }
}
