import pino from 'pino';
import type { ComponentHealth, CreateSettings } from '../../src/component/component.ts';
import { ComponentId } from '../../src/component/id.ts';
import { HealthRegistry, type ComponentStatus } from '../../src/pipeline/health.ts';
import { componentTelemetry } from '../../src/telemetry/component-telemetry.ts';
import { SelfMetrics } from '../../src/telemetry/self-metrics.ts';

/** CreateSettings for a component under test: a silent logger, fresh self-metrics, recorded health. */
export function silentSettings(id: string): CreateSettings & { selfMetrics: SelfMetrics; details: Record<string, unknown>; errors: string[] } {
  const selfMetrics = new SelfMetrics();
  const details: Record<string, unknown> = {};
  const errors: string[] = [];
  const health: ComponentHealth = {
    reportError: (e) => errors.push(e instanceof Error ? e.message : String(e)),
    reportOk: () => undefined,
    setDetail: (k, v) => {
      details[k] = v;
    },
  };
  return { id: ComponentId.parse(id), logger: pino({ level: 'silent' }), telemetry: componentTelemetry(selfMetrics, id), health, selfMetrics, details, errors };
}

/** silentSettings whose health is a real HealthRegistry entry: `status()` is what `/status.json` would show of it. */
export function trackedSettings(id: string, kind: string): ReturnType<typeof silentSettings> & { status: () => ComponentStatus } {
  const registry = new HealthRegistry();
  const tracked = registry.track(id, kind, ['metrics']);
  const settings = silentSettings(id);
  return {
    ...settings,
    health: { ...tracked, setDetail: (k, v) => (settings.health.setDetail(k, v), tracked.setDetail(k, v)) },
    status: () => registry.all()[0]!,
  };
}
