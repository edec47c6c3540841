import type { ComponentHealth } from '../component/component.ts';

export type ComponentState = 'created' | 'starting' | 'running' | 'failed' | 'stopping' | 'stopped';

export interface ComponentStatus {
  id: string;
  kind: string;
  /** Pipelines the component serves (processors: the one it belongs to). */
  pipelines: string[];
  state: ComponentState;
  lastError: { message: string; time: string } | null;
  /** When the component last said it works (e.g. an exporter's last delivery); null before that. */
  lastOk: string | null;
  details: Record<string, unknown>;
}

/**
 * A detail that a `--workers N` worker sends in another form than `/health/detailed` shows (`toJSON`):
 * `forMerge`, what the main thread needs to merge every worker's copy into one (e.g. the distinct
 * values themselves, as hashes, where the page shows only their number).
 */
export interface MergeableDetail {
  toJSON(): unknown;
  forMerge(): unknown;
}

function isMergeable(value: unknown): value is MergeableDetail {
  return typeof value === 'object' && value !== null && typeof (value as Partial<MergeableDetail>).forMerge === 'function';
}

/** Statuses as plain data for the main thread: each MergeableDetail in its `forMerge` form, live getters (`toJSON`) read. */
export function statusesForMerge(statuses: readonly ComponentStatus[]): ComponentStatus[] {
  const forMerge = statuses.map((s) => ({ ...s, details: Object.fromEntries(Object.entries(s.details).map(([k, v]) => [k, isMergeable(v) ? v.forMerge() : v])) }));
  return JSON.parse(JSON.stringify(forMerge)) as ComponentStatus[];
}

/** Lifecycle state and last error of every component, for `/health/ready` and `/health/detailed`. */
export class HealthRegistry {
  private readonly statuses = new Map<string, ComponentStatus>();

  track(key: string, kind: string, pipelines: string[]): ComponentHealth & { setState(state: ComponentState): void } {
    const status: ComponentStatus = { id: key, kind, pipelines, state: 'created', lastError: null, lastOk: null, details: {} };
    this.statuses.set(`${kind}:${key}:${pipelines.join(',')}`, status);
    return {
      setState: (state) => {
        status.state = state;
      },
      reportError: (error) => {
        status.lastError = { message: error instanceof Error ? error.message : String(error), time: new Date().toISOString() };
      },
      reportOk: () => {
        status.lastError = null;
        status.lastOk = new Date().toISOString();
      },
      setDetail: (key, value) => {
        status.details[key] = value;
      },
    };
  }

  all(): ComponentStatus[] {
    return [...this.statuses.values()];
  }

  ready(): boolean {
    const all = this.all();
    return all.length > 0 && all.every((s) => s.state === 'running');
  }
}
