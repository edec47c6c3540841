import type { ComponentHealth } from '../component/component.ts';
import type { ComponentTelemetry } from '../telemetry/component-telemetry.ts';

/** What a group reads of each of its senders. */
export interface GroupedQueue {
  readonly pending: number;
  oldestAgeSeconds(): number;
}

/**
 * The queued senders of one component. An exporter may run several (the `nats` exporter one per
 * signal, `loadbalancing` one per backend and signal), but the component has one `queue_items` health
 * detail, one queue-size gauge and one oldest-age gauge: each is the group's total (the age: its
 * oldest), not the value of whichever sender reported last.
 */
export class SenderGroup {
  private readonly members = new Set<GroupedQueue>();
  private readonly unwatchAge: () => void;

  private constructor(
    private readonly telemetry: ComponentTelemetry,
    private readonly onEmpty: () => void,
  ) {
    this.unwatchAge = telemetry.watchQueueAge(() => this.oldestAgeSeconds());
  }

  /**
   * The group of the component whose health entry is `health` (one entry per component instance, so a
   * reloaded component starts a group of its own), created and given its details at its first sender.
   */
  static join(health: ComponentHealth, telemetry: ComponentTelemetry, queue: GroupedQueue): SenderGroup {
    let group = GROUPS.get(health);
    if (!group) {
      const created = new SenderGroup(telemetry, () => GROUPS.delete(health));
      GROUPS.set(health, (group = created));
      // Read when served (JSON.stringify calls toJSON), so /health/detailed is never stale during an outage.
      health.setDetail('queue_items', { toJSON: () => created.pending });
      health.setDetail('queue_oldest_age_seconds', { toJSON: () => Math.round(created.oldestAgeSeconds() * 10) / 10 });
    }
    group.members.add(queue);
    return group;
  }

  get pending(): number {
    let n = 0;
    for (const q of this.members) n += q.pending;
    return n;
  }

  oldestAgeSeconds(): number {
    let oldest = 0;
    for (const q of this.members) oldest = Math.max(oldest, q.oldestAgeSeconds());
    return oldest;
  }

  /** A member's size changed: the gauge shows the group's total. */
  sizeChanged(): void {
    this.telemetry.queueSize(this.pending);
  }

  /** A member shut down; the last one out stops the age gauge and frees the group. */
  leave(queue: GroupedQueue): void {
    this.members.delete(queue);
    this.sizeChanged();
    if (this.members.size > 0) return;
    this.unwatchAge();
    this.onEmpty();
  }
}

const GROUPS = new WeakMap<ComponentHealth, SenderGroup>();
