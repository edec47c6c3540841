import type { Logger } from 'pino';
import type { z } from 'zod';
import type { NameFlow } from './name-flow.ts';
import type { LogsConsumer, MetricsConsumer, SignalConsumers, TracesConsumer } from '../consumer/consumer.ts';
import type { Signal } from '../model/common.ts';
import type { ComponentTelemetry } from '../telemetry/component-telemetry.ts';
import type { ListenerAuthConfig, ListenerTlsConfig } from '../config/listener-security.ts';
import type { ComponentId } from './id.ts';

/**
 * The lifecycle contract, as the Collector's: `start` is called once, downstream components first;
 * `shutdown` may be called without `start` and more than once, and must drain or hand back what was
 * accepted. Background work never throws: it reports through `settings.health`.
 */
export interface Component {
  start(): Promise<void>;
  shutdown(): Promise<void>;
  /**
   * Optional, for listening components, instead of `shutdown` on a reload: stop as `shutdown` does
   * (what was accepted has gone to the pipelines when it resolves) but leave the listeners bound,
   * requests arriving meanwhile held, so a successor can take them and an unchanged port never refuses
   * a connection.
   */
  handOver?(): Promise<ListenerHandover>;
  /** Optional: before `start`, what the component of the same ID handed over on a reload. */
  takeOver?(handover: ListenerHandover): void;
  /**
   * Optional, for a component that keeps state per series (running totals, label sets, served series):
   * drops the state built from data of `origins` (see src/consumer/origin.ts), because another gateway
   * took the place that data comes from and serves it now. Called by the engine when a receiver that
   * feeds this component's pipelines raises `originsLost`, to a pipeline's stages in data order (one that
   * holds data back sends it on first); never concurrently with a consume call's synchronous part.
   */
  forgetOrigins?(origins: ReadonlySet<string>): void;
}

/**
 * Listeners left bound by `Component.handOver`, opaque to the engine. The successor takes those whose
 * address and security it keeps; the engine then closes the rest (held requests answered as
 * unavailable, to be retried).
 */
export interface ListenerHandover {
  close(): Promise<void>;
  /**
   * The listeners it still holds, by listener key (`host:port kind`), so that a reload can free a port
   * that a component of another ID now wants (see `listener/moved-ports.ts`).
   */
  held?(): readonly HeldListener[];
}

/** One listener a handover holds: its key (`listenerKey`), whether it is closed, and how to close it. */
export interface HeldListener {
  readonly key: string;
  readonly closed: boolean;
  close(): Promise<void>;
}

/**
 * Thrown by a component whose configuration cannot work at run time (a port in use, an unreadable
 * file): the engine reports it at the YAML path `path` inside the component's settings.
 */
export class ConfigFault extends Error {
  constructor(
    readonly path: readonly (string | number)[],
    message: string,
  ) {
    super(message);
    this.name = 'ConfigFault';
  }
}

/** What a component tells `/health/detailed` about itself beyond its lifecycle state. */
export interface ComponentHealth {
  reportError(error: unknown): void;
  /** Clears the last error once the component works again. */
  reportOk(): void;
  setDetail(key: string, value: string | number | boolean | object): void;
}

/** Which of `switchyard run --workers N`'s workers a component runs in (absent: a single process). */
export interface WorkerPlacement {
  index: number;
  count: number;
}

export interface CreateSettings {
  id: ComponentId;
  logger: Logger;
  telemetry: ComponentTelemetry;
  health: ComponentHealth;
  /**
   * Set when the component is one of N copies, one per worker, each seeing only the series routed to
   * it. What a worker owns alone must be its own (a persistent queue's directory); what the gateway
   * serves once (a scrape page) is served by the main thread from every worker's `scrape()`.
   */
  worker?: WorkerPlacement;
  /**
   * Receivers only: says that data of `origins` (the strings it passed to `withOrigin`) will no longer
   * come here (a JetStream partition lost or handed back). The engine has every component downstream of
   * this receiver's pipelines forget what it built from them (`Component.forgetOrigins`).
   */
  originsLost?(origins: readonly string[]): void;
}

/** A pull exporter's current page, in the format the scraper's `Accept` asks for, uncompressed. */
export interface ScrapePage {
  body: string;
  contentType: string;
  /** Whether the scraper's `Accept-Encoding` takes gzip (the server compresses, after merging). */
  gzip: boolean;
}

/** What a scraper asked for. */
export interface ScrapeRequest {
  accept: string | undefined;
  acceptEncoding: string | undefined;
}

/** A place in a component's config that binds a socket, so `validate` can check the port is free. */
export interface EndpointRef {
  path: readonly (string | number)[];
  endpoint: string;
}

interface FactoryBase<C> {
  readonly type: string;
  /** Parses the YAML value (undefined when the key is empty) into a frozen-able config with defaults. */
  readonly configSchema: z.ZodType<C, z.ZodTypeDef, unknown>;
  endpoints?(config: C): EndpointRef[];
  /**
   * The metric names (and labels) this component emits in a metrics pipeline, from `input` (what reaches
   * it; nothing for a receiver or connector), as far as its config tells: `check-dashboard --pipeline`.
   * Left out: a receiver emits any name, a processor is opaque (any name after it), an exporter keeps names.
   */
  metricNames?(config: C, input: NameFlow): NameFlow;
}

/** A receiver or exporter that a config may leave off (an empty value from an unset variable). */
interface Switchable<C> {
  /**
   * Why this config leaves the component off (e.g. an empty endpoint or no scrape target from an unset
   * variable), or undefined. The engine then leaves it out of its pipelines: a pipeline left with no
   * exporter, or with no receiver, is off.
   */
  disabledReason?(config: C): string | undefined;
}

export interface ReceiverFactory<C = unknown> extends FactoryBase<C>, Switchable<C> {
  readonly kind: 'receiver';
  readonly signals: readonly Signal[];
  /** One instance serves every pipeline the receiver is in; `next` holds a consumer per used signal. */
  create(settings: CreateSettings, config: C, next: SignalConsumers): Component;
}

export type MetricsProcessor = Component & MetricsConsumer;
export type TracesProcessor = Component & TracesConsumer;
export type LogsProcessor = Component & LogsConsumer;

export interface ProcessorFactory<C = unknown> extends FactoryBase<C> {
  readonly kind: 'processor';
  /**
   * The Collector's `MutatesData`: its metrics stage changes the batches it gets in place (within the
   * ownership rule of src/consumer/consumer.ts). The engine then gives a pipeline holding it a batch of
   * its own wherever a batch fans out to several pipelines. Absent: it never writes into what it gets.
   * Metrics only: no traces or logs processor mutates.
   */
  readonly mutatesData?: boolean;
  /**
   * A processor that refuses every batch while the process's memory in use (memoryInUse) is at or
   * above this many bytes (memory_limiter: its soft limit). With `--workers N` the main thread's
   * receivers then refuse a request to its pipelines as it would, before reading the body.
   */
  refusesAboveBytes?(config: C): number;
  /** One instance per pipeline, as in the Collector: state is never shared across pipelines. */
  createMetrics?(settings: CreateSettings, config: C, next: MetricsConsumer): MetricsProcessor;
  createTraces?(settings: CreateSettings, config: C, next: TracesConsumer): TracesProcessor;
  createLogs?(settings: CreateSettings, config: C, next: LogsConsumer): LogsProcessor;
}

/** Where a pull exporter listens, as its config block says (`auth` and `tls` as on every listener). */
export interface ScrapeListener {
  endpoint: string;
  auth?: ListenerAuthConfig;
  tls?: ListenerTlsConfig;
}

/** An exporter (or a connector's input side) consumes the signals it supports, directly. */
export type Exporter = Component &
  Partial<MetricsConsumer & TracesConsumer & LogsConsumer> & {
    /** A pull exporter's page; with workers each serves its part and the main thread merges them. */
    scrape?(request: ScrapeRequest): ScrapePage;
  };

/** A problem with a setting, at `path` inside the component's settings. */
export interface SettingIssue {
  path: readonly (string | number)[];
  message: string;
}

export interface ExporterFactory<C = unknown> extends FactoryBase<C>, Switchable<C> {
  readonly kind: 'exporter';
  readonly signals: readonly Signal[];
  /**
   * Optional: what in a config that passed the schema cannot work in a pipeline of `signal` (a routing
   * key that means nothing for spans). Called at config-resolve time for every signal the exporter is
   * used with, so `validate` reports it at the setting's file and line.
   */
  checkSignal?(config: C, signal: Signal): SettingIssue[];
  /**
   * A pull exporter's listener: its address, and the auth and TLS its scrapers must pass. With
   * `--workers N` the main thread listens there instead of the workers and answers each scrape with one
   * page merged from every worker's `scrape()`.
   */
  scrapeListener?(config: C): ScrapeListener;
  /** One instance per exporter ID, shared by every pipeline that names it. */
  create(settings: CreateSettings, config: C): Exporter;
}

export interface ConnectorFactory<C = unknown> extends FactoryBase<C> {
  readonly kind: 'connector';
  /** The signal pairs it joins: exporter of `from` pipelines, receiver of `to` pipelines. */
  readonly pairs: readonly (readonly [from: Signal, to: Signal])[];
  create(settings: CreateSettings, config: C, next: SignalConsumers): Exporter;
}

export type Factory = ReceiverFactory | ProcessorFactory | ExporterFactory | ConnectorFactory;
export type ComponentKind = Factory['kind'];

export function processorSignals(factory: ProcessorFactory): Signal[] {
  const signals: Signal[] = [];
  if (factory.createMetrics) signals.push('metrics');
  if (factory.createTraces) signals.push('traces');
  if (factory.createLogs) signals.push('logs');
  return signals;
}
