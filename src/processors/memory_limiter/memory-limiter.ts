import type { CreateSettings } from '../../component/component.ts';
import { ConsumerError } from '../../consumer/errors.ts';
import type { Signal } from '../../model/common.ts';
import { memoryLimits, type MemoryLimiterConfig, type MemoryLimits } from './config.ts';
import { processMemory, type MemoryProbe } from './process-memory.ts';

const MIB = 1024 * 1024;
const mib = (bytes: number) => Math.round(bytes / MIB);

/**
 * The Collector's memory limiter: memory is measured every `check_interval` (never per batch), and
 * while it is above the soft limit every batch is refused with a retryable error, so the receiver
 * answers 503/UNAVAILABLE and the sender retries later. Above the hard limit it also forces a garbage
 * collection when node exposes one.
 */
export class MemoryLimiter {
  /** Whether data is refused now; read by every batch, so it is a plain field. */
  refusing = false;
  private readonly limits: MemoryLimits;
  private timer: NodeJS.Timeout | undefined;
  private aboveHard = false;
  private lastGcAt: number;
  private refusedSince = 0;

  constructor(
    private readonly config: MemoryLimiterConfig,
    private readonly settings: CreateSettings,
    private readonly probe: MemoryProbe = processMemory,
    private readonly now: () => number = Date.now,
  ) {
    this.limits = memoryLimits(config, probe.totalBytes());
    this.lastGcAt = now();
  }

  start(): void {
    if (this.timer) return;
    const { logger } = this.settings;
    const total = this.probe.totalBytes();
    logger.info({ limit_mib: mib(this.limits.hardBytes), soft_limit_mib: mib(this.limits.softBytes), check_interval_ms: this.config.check_interval, heap_size_limit_mib: mib(total) }, 'Memory limiter configured.');
    if (this.limits.hardBytes > total) {
      logger.warn({ limit_mib: mib(this.limits.hardBytes), heap_size_limit_mib: mib(total) }, 'The memory limit is above the V8 heap limit: the heap may run out first. Lower limit_mib or raise --max-old-space-size.');
    }
    this.check();
    // The timer must never keep a stopping process alive.
    this.timer = setInterval(() => this.check(), this.config.check_interval).unref();
  }

  shutdown(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The error a refused batch gets; counts its items. */
  refusal(signal: Signal, items: number): ConsumerError {
    this.refusedSince += items;
    this.settings.telemetry.processorRefused(signal, items, 'memory_limit');
    return ConsumerError.retryable('data refused due to high memory usage');
  }

  /** One measurement: refuses above the soft limit, accepts again below it. */
  check(): void {
    let used = this.probe.usedBytes();
    if (used >= this.limits.softBytes) used = this.collectIfDue(used);
    const refusing = used >= this.limits.softBytes;
    this.aboveHard = used >= this.limits.hardBytes;
    if (refusing !== this.refusing) this.transition(refusing, used);
    this.refusing = refusing;
    const { health } = this.settings;
    health.setDetail('memory_used_mib', mib(used));
    health.setDetail('memory_soft_limit_mib', mib(this.limits.softBytes));
    health.setDetail('memory_hard_limit_mib', mib(this.limits.hardBytes));
    health.setDetail('refusing', refusing);
  }

  /** Above a limit: a forced collection when node allows one and none ran too recently; the usage after it. */
  private collectIfDue(used: number): number {
    const hard = used >= this.limits.hardBytes;
    const { logger } = this.settings;
    if (hard && !this.aboveHard) {
      const how = this.probe.collectGarbage ? 'Forcing a garbage collection.' : 'Cannot force a garbage collection: node runs without --expose-gc.';
      logger.warn({ used_mib: mib(used), limit_mib: mib(this.limits.hardBytes) }, `Memory usage is above the hard limit. ${how}`);
    }
    const interval = hard ? this.config.min_gc_interval_when_hard_limited : this.config.min_gc_interval_when_soft_limited;
    if (!this.probe.collectGarbage || this.now() - this.lastGcAt < interval) return used;
    this.probe.collectGarbage();
    this.lastGcAt = this.now();
    const after = this.probe.usedBytes();
    logger.debug({ before_mib: mib(used), after_mib: mib(after) }, 'Memory usage after a forced garbage collection.');
    return after;
  }

  private transition(refusing: boolean, used: number): void {
    const { logger, health } = this.settings;
    const state = { used_mib: mib(used), soft_limit_mib: mib(this.limits.softBytes) };
    if (refusing) {
      this.refusedSince = 0;
      logger.warn(state, 'Memory usage is above the soft limit. Refusing data.');
      health.reportError(new Error(`refusing data: memory in use ${state.used_mib} MiB is above the soft limit of ${state.soft_limit_mib} MiB`));
    } else {
      logger.info({ ...state, refused_items: this.refusedSince }, 'Memory usage back within limits. Resuming normal operation.');
      health.reportOk();
    }
  }
}
