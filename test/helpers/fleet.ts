import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { parseAllDocuments } from 'yaml';
import { natsReceiverFile, natsTier2Gateway, natsTier2Pipelines } from '../../deploy/kubernetes/generate-config.ts';
import { FREE_PORTS_ENV } from './free-ports-env.ts';
import { leaseOwners } from './lease-gateways.ts';
import { REPO_ROOT, startGateway, type GatewayProcess } from './gateway-process.ts';
import { parseExposition } from './prom-text.ts';
import { eventually } from './prometheus-server.ts';
import { tempFiles } from './temp-files.ts';

/*
 * The JetStream fleet as deploy/kubernetes ships it, on loopback: tier 1 is the ConfigMap
 * switchyard-tier1-nats, tier 2 the shipped config/gateway.yaml and pipelines on nats (the generated
 * ConfigMaps switchyard-tier2-nats and switchyard-pipelines-nats) and a nats receiver owning explicit
 * partitions. Each gateway's `log` exporter writes to its own file (`logFile`).
 */
export const PARTITIONS = 8;
const STREAM = 'SWITCHYARD_METRICS';

/** Services whose partitions (partitionOf(name, 8): 0 3 6 | 1 4 7 | 2 5) give each of 3 tier-2 gateways some. */
export const FLEET_SERVICES = ['ingest-api', 'webhook-api', 'chat-api', 'celery-worker', 'billing-api', 'prompter-api', 'auth-api', 'scheduler'];

type Manifest = { kind: string; metadata: { name: string }; data?: Record<string, string> };

function tier1Config(): string {
  const docs = parseAllDocuments(readFileSync(`${REPO_ROOT}deploy/kubernetes/tier1.yaml`, 'utf8')).map((d) => d.toJS() as Manifest);
  return docs.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'switchyard-tier1-nats')!.data!['gateway.yaml']!;
}

/** Partitions p with p mod replicas = index: what partitions_from_ordinal gives pod `<name>-<index>`. */
export function partitionsOf(index: number, replicas: number): number[] {
  return Array.from({ length: PARTITIONS }, (_, p) => p).filter((p) => p % replicas === index);
}

/** A gateway's own counter summed over the series whose labels include `labels`. */
export async function ownCount(gateway: GatewayProcess, name: string, labels: Record<string, string> = {}): Promise<number> {
  const url = `http://${gateway.endpoints.admin}/metrics`;
  // Once more on a socket the server closed as it was reused (keep-alive race), not on a refusal.
  const page = await fetch(url).then(
    (r) => r.text(),
    () => fetch(url).then((r) => r.text()),
  );
  return parseExposition(page)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Whether a tier-1 gateway has published every point it accepted. */
async function published(gateway: GatewayProcess): Promise<boolean> {
  const [accepted, sent] = await Promise.all([ownCount(gateway, 'switchyard_receiver_accepted_points_total', { signal: 'metrics' }), ownCount(gateway, 'switchyard_exporter_sent_points_total', { component: 'nats' })]);
  return accepted === sent;
}

export class Fleet {
  private readonly files = tempFiles({});
  private readonly started: GatewayProcess[] = [];
  private nc: NatsConnection | undefined;
  private count = 0;
  private readonly dirs = new Map<GatewayProcess, string>();

  constructor(
    readonly natsUrl: string,
    /** Seconds before a message delivered to a gateway that died is delivered again. */
    private readonly ackWaitS = 2,
    /** More environment for every gateway (e.g. a shorter spanmetrics flush). */
    private readonly extraEnv: NodeJS.ProcessEnv = {},
  ) {}

  private env(dir: string): NodeJS.ProcessEnv {
    return { ...FREE_PORTS_ENV, SWITCHYARD_HOST: '127.0.0.1', SWITCHYARD_NATS_URL: this.natsUrl, SWITCHYARD_LOG_PATH: `${dir}/log.jsonl`, PROMETHEUS_REMOTE_WRITE_URL: '', SWITCHYARD_QUEUE_DIR: `${dir}/queue`, ...this.extraEnv };
  }

  /** The file a gateway's `log` exporter writes (spans and log records as JSON lines); empty before its first line. */
  logFile(gateway: GatewayProcess): string {
    const dir = this.dirs.get(gateway);
    if (!dir) throw new Error('not a gateway of this fleet');
    try {
      return readFileSync(`${dir}/log.jsonl`, 'utf8');
    } catch {
      return '';
    }
  }

  async tier1(): Promise<GatewayProcess> {
    const dir = `tier1-${++this.count}`;
    const file = this.write(`${dir}/gateway.yaml`, tier1Config());
    return this.track(startGateway(file, this.env(this.files.path(dir)), 40_000), this.files.path(dir));
  }

  /**
   * A tier-2 gateway owning `partitions`; with `leaseTtlS`, holding them by lease instead (they are then
   * the ones it claims first, and it takes others over from a gateway that dies).
   */
  async tier2(partitions: number[], leaseTtlS?: number): Promise<GatewayProcess> {
    const dir = `tier2-${++this.count}`;
    for (const [name, text] of Object.entries(natsTier2Pipelines())) this.write(`${dir}/pipelines/${name}`, text);
    const leases = leaseTtlS === undefined ? '' : `\n    leases: { bucket: SWITCHYARD_LEASES, ttl: ${leaseTtlS}s }`;
    this.write(`${dir}/pipelines/nats-receiver.yaml`, natsReceiverFile(`partitions: [${partitions.join(', ')}]${leases}\n    ack_wait: ${this.ackWaitS}s`));
    const file = this.write(`${dir}/config/gateway.yaml`, natsTier2Gateway());
    return this.track(startGateway(file, this.env(this.files.path(dir)), 40_000), this.files.path(dir));
  }

  /** The state of every partition's durable consumer. */
  /** `deliveries` counts redeliveries too (JetStream's consumer sequence); `messages` is what the partition holds. */
  async consumers(): Promise<{ partition: number; pending: number; ackPending: number; deliveries: number; messages: number; ackFloor: number }[]> {
    this.nc ??= await connect({ servers: this.natsUrl });
    const jsm = await this.nc.jetstreamManager();
    const subjects = (await jsm.streams.info(STREAM, { subjects_filter: '>' })).state.subjects ?? {};
    return Promise.all(
      Array.from({ length: PARTITIONS }, async (_, p) => {
        const c = await jsm.consumers.info(STREAM, `switchyard-p${p}`);
        return { partition: p, pending: c.num_pending, ackPending: c.num_ack_pending, deliveries: c.delivered.consumer_seq, messages: subjects[`switchyard.metrics.${p}`] ?? 0, ackFloor: c.ack_floor.stream_seq };
      }),
    );
  }

  /** The pid of the gateway holding each partition's lease (bucket SWITCHYARD_LEASES); undefined for a free one. */
  async leaseHolders(): Promise<(number | undefined)[]> {
    this.nc ??= await connect({ servers: this.natsUrl });
    return leaseOwners(await this.nc.jetstream().views.kv('SWITCHYARD_LEASES'), PARTITIONS);
  }

  /** The last stream sequence of each partition's subject (0: none published). */
  async lastSequences(): Promise<number[]> {
    this.nc ??= await connect({ servers: this.natsUrl });
    const jsm = await this.nc.jetstreamManager();
    return Promise.all(
      Array.from({ length: PARTITIONS }, (_, p) =>
        jsm.streams.getMessage(STREAM, { last_by_subj: `switchyard.metrics.${p}` }).then(
          (m) => m.seq,
          () => 0,
        ),
      ),
    );
  }

  /** Resolves once every tier-1 gateway published all it accepted. */
  async drainedTier1(tier1: GatewayProcess[], timeoutMs = 30_000): Promise<void> {
    await eventually(async () => ((await Promise.all(tier1.map(published))).every(Boolean) ? true : undefined), timeoutMs, 'tier 1 publishing everything it accepted');
  }

  /** Resolves once a tier-2 gateway's nats receiver accepted more than `before` points. */
  async consumedBy(gateway: GatewayProcess, before: number, timeoutMs = 30_000): Promise<void> {
    await eventually(async () => ((await ownCount(gateway, 'switchyard_receiver_accepted_points_total', { component: 'nats' })) > before ? true : undefined), timeoutMs, 'the tier-2 gateway consuming');
  }

  /** Resolves once every tier-1 gateway published all it accepted and every partition's messages are acknowledged. */
  async drained(tier1: GatewayProcess[], timeoutMs = 30_000): Promise<void> {
    await this.drainedTier1(tier1, timeoutMs);
    await eventually(async () => ((await this.consumers()).every((c) => c.pending === 0 && c.ackPending === 0) ? true : undefined), timeoutMs, 'tier 2 acknowledging every message');
  }

  async stop(): Promise<void> {
    await this.nc?.close();
    await Promise.all(this.started.map((g) => g.stop()));
    this.files.cleanup();
  }

  private write(name: string, text: string): string {
    const path = this.files.path(name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  }

  private async track(gateway: Promise<GatewayProcess>, dir: string): Promise<GatewayProcess> {
    const g = await gateway;
    this.started.push(g);
    this.dirs.set(g, dir);
    return g;
  }
}
