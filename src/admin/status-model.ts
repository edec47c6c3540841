import type { ConfigVersion } from '../config/config-version.ts';
import type { PipelineTopology } from '../pipeline/graph.ts';
import type { ComponentStatus } from '../pipeline/health.ts';
import { sumWhere, type SelfCounts } from './self-counts.ts';

/** Everything `/status.json` is made of, read at one moment. */
export interface StatusInputs {
  /** Milliseconds since the epoch: the page computes rates from successive documents' `time` and `items`. */
  now: number;
  version: string;
  uptimeSeconds: number;
  ready: boolean;
  stopping: boolean;
  config: ConfigVersion | undefined;
  pipelines: readonly PipelineTopology[];
  components: readonly ComponentStatus[];
  counts: SelfCounts;
  /** Items that passed each place, by pipeline and place name; null where the meters were off until now. */
  places: Record<string, Record<string, number | null>>;
}

/** One arrow of a pipeline's graph. */
export interface EdgeStatus {
  /** The place as the tap names it (`after otlp`, `after memory_limiter`, `before prometheus`): tap it there. */
  place: string;
  /** The stage it leaves; null for a pipeline with no processor, whose receivers all feed its exporters. */
  from: string | null;
  /** The stage it leads to; null as for `from`. */
  to: string | null;
  /** Items (points, spans, log records) that passed since the meters came on; null until then. */
  items: number | null;
  /** What the stage it leads to refused (retryable: the sender retries), dropped on purpose, or gave up delivering; into no processor, what the receiver refused. */
  refused: number;
  dropped: number;
  failed: number;
}

export interface PipelineStatus extends PipelineTopology {
  edges: EdgeStatus[];
}

/** A component's own counters, cumulative (a processor's for its pipeline). */
export interface ComponentCounts {
  accepted: number;
  refused: number;
  dropped: number;
  sent: number;
  failed: number;
  /** What waits in its queue now (`switchyard_exporter_queue_size`). */
  queue: number;
}

export interface ComponentView extends ComponentStatus {
  counts: ComponentCounts;
}

export interface StatusDocument {
  time: number;
  version: string;
  uptime_seconds: number;
  status: 'ok' | 'degraded' | 'starting' | 'stopping';
  config: ConfigVersion | null;
  pipelines: PipelineStatus[];
  components: ComponentView[];
}

/** The status page's data: the running pipelines as a graph, with every component's state and counters. */
export function statusDocument(input: StatusInputs): StatusDocument {
  const components = input.components.map((c) => ({ ...c, counts: componentCounts(c, input.counts) }));
  const degraded = input.components.some((c) => c.lastError);
  return {
    time: input.now,
    version: input.version,
    uptime_seconds: input.uptimeSeconds,
    status: input.stopping ? 'stopping' : !input.ready ? 'starting' : degraded ? 'degraded' : 'ok',
    config: input.config ?? null,
    pipelines: input.pipelines.map((p) => ({ ...p, edges: edgesOf(p, input) })),
    components,
  };
}

function componentCounts(c: ComponentStatus, counts: SelfCounts): ComponentCounts {
  const component = { component: c.id };
  // A processor runs once per pipeline, and counts under its pipeline; the others count across theirs.
  const own = c.kind === 'processor' && c.pipelines[0] !== undefined ? { component: c.id, pipeline: c.pipelines[0] } : component;
  return {
    accepted: sumWhere(counts.receiverAccepted, component),
    refused: sumWhere(counts.receiverRefused, component) + sumWhere(counts.processorRefused, own),
    dropped: sumWhere(counts.processorDropped, own),
    sent: sumWhere(counts.exporterSent, component),
    failed: sumWhere(counts.exporterFailed, component),
    queue: sumWhere(counts.exporterQueueSize, component),
  };
}

/** Receivers → processors in order → exporters; each arrow is a metered place. */
function edgesOf(p: PipelineTopology, input: StatusInputs): EdgeStatus[] {
  const { counts } = input;
  const signal = p.signal;
  const passed = input.places[p.id] ?? {};
  const edge = (place: string, from: string | null, to: string | null, lost: Partial<Pick<EdgeStatus, 'refused' | 'dropped' | 'failed'>>): EdgeStatus => ({
    place,
    from,
    to,
    items: passed[place] ?? null,
    refused: lost.refused ?? 0,
    dropped: lost.dropped ?? 0,
    failed: lost.failed ?? 0,
  });
  const intoProcessor = (k: string) => ({
    refused: sumWhere(counts.processorRefused, { component: k, pipeline: p.id }),
    dropped: sumWhere(counts.processorDropped, { component: k, pipeline: p.id }),
  });
  const first = p.processors[0] ?? null;
  const last = p.processors.at(-1) ?? null;
  return [
    ...p.receivers.map((r) => edge(`after ${r}`, r, first, first ? intoProcessor(first) : { refused: sumWhere(counts.receiverRefused, { component: r, signal }) })),
    ...p.processors.slice(1).map((k, i) => edge(`after ${p.processors[i]}`, p.processors[i]!, k, intoProcessor(k))),
    ...p.exporters.map((e) => edge(`before ${e}`, last, e, { failed: sumWhere(counts.exporterFailed, { component: e, signal }) })),
  ];
}
