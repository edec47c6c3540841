import { fnv1a64, ringPosition } from './hash.ts';

/** Virtual nodes per member: enough that 3–10 members each get close to their share (±10%). */
export const DEFAULT_VIRTUAL_NODES = 160;

/**
 * A consistent-hash ring with virtual nodes, for a set of members that changes while running (the
 * `loadbalancing` exporter's backends): a key goes to the first member position at or after its hash,
 * wrapping around. Adding or removing one of N members moves only the keys that member gains or had,
 * ≈1/N of them; every other key stays where it was. Member `m`'s positions are the hashes of `m#0`,
 * `m#1`, …, so every gateway builds the same ring from the same member names, whatever their order.
 */
export class HashRing {
  private positions = new Float64Array(0);
  private owners: string[] = [];
  private readonly members = new Set<string>();

  constructor(
    members: Iterable<string> = [],
    private readonly virtualNodes = DEFAULT_VIRTUAL_NODES,
  ) {
    for (const m of members) this.members.add(m);
    this.rebuild();
  }

  get size(): number {
    return this.members.size;
  }

  has(member: string): boolean {
    return this.members.has(member);
  }

  list(): string[] {
    return [...this.members].sort();
  }

  add(member: string): void {
    if (this.members.has(member)) return;
    this.members.add(member);
    this.rebuild();
  }

  remove(member: string): void {
    if (this.members.delete(member)) this.rebuild();
  }

  /** Replaces the members (a DNS answer); no-op when unchanged. */
  set(members: Iterable<string>): void {
    const next = new Set(members);
    if (next.size === this.members.size && [...next].every((m) => this.members.has(m))) return;
    this.members.clear();
    for (const m of next) this.members.add(m);
    this.rebuild();
  }

  /** The member that owns a routing key, or undefined for an empty ring. */
  memberOf(key: string): string | undefined {
    const n = this.positions.length;
    if (n === 0) return undefined;
    const p = ringPosition(fnv1a64(key));
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.positions[mid]! < p) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === n ? 0 : lo];
  }

  private rebuild(): void {
    const points: { p: number; m: string }[] = [];
    for (const m of this.members) {
      for (let v = 0; v < this.virtualNodes; v++) points.push({ p: ringPosition(fnv1a64(`${m}#${v}`)), m });
    }
    // Equal positions (vanishingly rare) are ordered by member name, so every gateway agrees.
    points.sort((a, b) => a.p - b.p || (a.m < b.m ? -1 : a.m > b.m ? 1 : 0));
    this.positions = Float64Array.from(points, (x) => x.p);
    this.owners = points.map((x) => x.m);
  }
}
