import type { ConfigVersion } from '../config/config-version.ts';
import type { EdgeMeters } from '../pipeline/edge-meters.ts';
import type { PipelineTopology } from '../pipeline/graph.ts';
import type { ComponentStatus } from '../pipeline/health.ts';
import type { SelfMetrics } from '../telemetry/self-metrics.ts';
import { readSelfCounts } from './self-counts.ts';
import { statusDocument, type StatusDocument } from './status-model.ts';

/** The running pipelines as the status page sees them (the engine's PipelineGraph). */
export interface RunningPipelines {
  topology(): PipelineTopology[];
  readonly meters: EdgeMeters;
}

/** What the admin server knows that `/status.json` shows. */
export interface StatusSource {
  version: string;
  startedAt: Date;
  health: () => ComponentStatus[];
  ready: () => boolean;
  stopping?: () => boolean;
  selfMetrics: SelfMetrics;
  /** The pipelines running now; undefined while none run. */
  pipelines?: () => RunningPipelines | undefined;
  configVersion?: () => ConfigVersion | undefined;
  /** What passed each place, when the pipelines run elsewhere (`--workers N`); else the running pipelines' own meters. */
  places?: () => Promise<Record<string, Record<string, number | null>>>;
  /**
   * With `--workers N`: has every worker send its health now. Their health otherwise arrives every 0.5 s,
   * so a page or a `/health/detailed` read right after a change could still miss it.
   */
  refreshHealth?: () => Promise<void>;
}

/**
 * `GET /status.json`: reading it keeps the pipelines' meters on for a while (see EdgeMeters). The counts
 * and places are read first, together (with `--workers N` each is a round trip to every worker, which a
 * busy worker answers late); health and readiness after them, so that a slow answer still shows the state
 * of the moment it is sent: a component's new error reaches the page one poll after the gateway knows it,
 * however long the workers took to answer.
 */
export async function readStatus(source: StatusSource, now?: number): Promise<StatusDocument> {
  const running = source.pipelines?.();
  const [counts, places] = await Promise.all([readSelfCounts(source.selfMetrics), source.places && running ? source.places() : running?.meters.read(), source.refreshHealth?.()]);
  const time = now ?? Date.now();
  return statusDocument({
    now: time,
    version: source.version,
    uptimeSeconds: Math.round((time - source.startedAt.getTime()) / 1000),
    ready: source.ready(),
    stopping: source.stopping?.() ?? false,
    config: source.configVersion?.(),
    pipelines: running?.topology() ?? [],
    components: source.health(),
    counts,
    places: places ?? {},
  });
}
