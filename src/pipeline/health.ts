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
