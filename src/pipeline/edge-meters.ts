import type { LogsConsumer, TracesConsumer } from '../consumer/consumer.ts';
import { countLogRecords, type LogsBatch } from '../model/logs.ts';
import { countSpans, type TracesBatch } from '../model/traces.ts';

/** Items that passed one place of a pipeline; counted only while `on` (someone watches the status page). */
export interface EdgeMeter {
  on: boolean;
  items: number;
}

/** How long the meters stay on after the last status read: a closed page leaves the pipelines uncounted. */
export const METER_LEASE_MS = 30_000;

/**
 * The item counters of every place of the running pipelines (the tap sites' places, for every signal).
 * Off, a meter costs the place one property check per batch; the status page turns them all on by
 * reading them, and they turn off again `METER_LEASE_MS` after the last read.
 */
export class EdgeMeters {
  private readonly meters = new Map<string, Map<string, EdgeMeter>>();
  private timer: NodeJS.Timeout | undefined;

  /** The meter of a place known by each of `names` in `pipeline` (one place may have two names). */
  meter(pipeline: string, names: string[]): EdgeMeter {
    const meter: EdgeMeter = { on: this.timer !== undefined, items: 0 };
    let byName = this.meters.get(pipeline);
    if (!byName) this.meters.set(pipeline, (byName = new Map()));
    for (const name of names) byName.set(name, meter);
    return meter;
  }

  /** Turns every meter on (for `leaseMs` more) and returns the counts so far, by pipeline and place; null where it was off until now. */
  read(leaseMs = METER_LEASE_MS): Record<string, Record<string, number | null>> {
    const wasOn = this.timer !== undefined;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.switchAll(false), leaseMs).unref();
    const out: Record<string, Record<string, number | null>> = {};
    for (const [pipeline, byName] of this.meters) {
      const counts: Record<string, number | null> = {};
      for (const [name, meter] of byName) counts[name] = wasOn ? meter.items : null;
      out[pipeline] = counts;
    }
    if (!wasOn) this.switchAll(true);
    return out;
  }

  /** The pipelines stopped (a shutdown or a reload): no timer outlives them. */
  stop(): void {
    clearTimeout(this.timer);
    this.switchAll(false);
  }

  private switchAll(on: boolean): void {
    if (!on) this.timer = undefined;
    for (const byName of this.meters.values()) {
      for (const meter of byName.values()) {
        // Counts restart at each switch-on, so a rate is never computed across a time it was off.
        if (on && !meter.on) meter.items = 0;
        meter.on = on;
      }
    }
  }
}

/** A place of a traces pipeline: passes every batch on, counting its spans while metered. */
export function meteredTraces(next: TracesConsumer, meter: EdgeMeter): TracesConsumer {
  return {
    consumeTraces(batch: TracesBatch) {
      if (meter.on) meter.items += countSpans(batch);
      return next.consumeTraces(batch);
    },
  };
}

/** A place of a logs pipeline, as `meteredTraces`. */
export function meteredLogs(next: LogsConsumer, meter: EdgeMeter): LogsConsumer {
  return {
    consumeLogs(batch: LogsBatch) {
      if (meter.on) meter.items += countLogRecords(batch);
      return next.consumeLogs(batch);
    },
  };
}
