import type { SelfMetrics } from '../telemetry/self-metrics.ts';

/** One labelled value of a self-metric. */
export interface Sample {
  labels: Partial<Record<string, string | number>>;
  value: number;
}

/** The self-metrics the status page shows, as read now. */
export interface SelfCounts {
  receiverAccepted: Sample[];
  receiverRefused: Sample[];
  processorDropped: Sample[];
  processorRefused: Sample[];
  exporterSent: Sample[];
  exporterFailed: Sample[];
  exporterQueueSize: Sample[];
}

/** Reads the component counters from the registry, with `--workers N` the workers' added (no copy of them is kept anywhere else). */
export async function readSelfCounts(m: SelfMetrics): Promise<SelfCounts> {
  const [receiverAccepted, receiverRefused, processorDropped, processorRefused, exporterSent, exporterFailed, exporterQueueSize] = (await m.valuesOf([
    m.receiverAccepted,
    m.receiverRefused,
    m.processorDropped,
    m.processorRefused,
    m.exporterSent,
    m.exporterFailed,
    m.exporterQueueSize,
  ])) as Sample[][];
  return { receiverAccepted: receiverAccepted!, receiverRefused: receiverRefused!, processorDropped: processorDropped!, processorRefused: processorRefused!, exporterSent: exporterSent!, exporterFailed: exporterFailed!, exporterQueueSize: exporterQueueSize! };
}

/** The sum of the samples whose labels include every one of `match`. */
export function sumWhere(samples: readonly Sample[], match: Record<string, string>): number {
  let sum = 0;
  for (const s of samples) {
    let hit = true;
    for (const key in match) if (s.labels[key] !== match[key]) hit = false;
    if (hit) sum += s.value;
  }
  return sum;
}
