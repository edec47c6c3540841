import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { ScrapePage, ScrapeRequest } from '../component/component.ts';
import { locateFault } from '../config/errors.ts';
import { registerSecret } from '../config/secret-values.ts';
import type { GatewayConfig } from '../config/resolve.ts';
import type { SignalConsumers } from '../consumer/consumer.ts';
import { currentOrigin } from '../consumer/origin.ts';
import { ConsumerError } from '../consumer/errors.ts';
import type { PipelineHost } from '../gateway.ts';
import type { Signal } from '../model/common.ts';
import type { ComponentStatus } from '../pipeline/health.ts';
import type { WireSpan } from '../telemetry/forwarded-spans.ts';
import { mergeExpositions } from './exposition-merge.ts';
import { combineStatuses } from './health-merge.ts';
import type { FromWorker, ToWorker, WorkerData, WorkerHealth, WorkerRequest } from './protocol.ts';
import { WorkerTapSource } from './merged-taps.ts';
import { mergePlaces, type Places } from './places-merge.ts';
import { fromWire } from './wire-error.ts';
import { ProtoForwarder } from './proto-forward.ts';
import { ScrapeServer } from './scrape-server.ts';
import { HttpHandover, type HttpListener } from '../listener/http-handover.ts';
import { freeMovedPorts } from '../listener/moved-ports.ts';
import { boundEndpoints } from '../config/endpoints.ts';
import { splitByWorker } from './split.ts';
import { MemoryFigures } from '../telemetry/memory-in-use.ts';
import { memoryBoundOf, memoryRefusal } from './memory-admission.ts';

/** One worker as `/health/detailed` shows it. */
export interface WorkerStatus {
  index: number;
  state: 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';
  thread_id: number | undefined;
  restarts: number;
  last_exit: { code: number; time: string; error?: string } | null;
}

interface Slot {
  status: WorkerStatus;
  worker: Worker | undefined;
  pending: Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>;
  health: ComponentStatus[];
  ready: boolean;
  /** Settles when the worker's pipelines started (or failed to). */
  started: Promise<void> | undefined;
}

const RESTART_BACKOFF_MS = [100, 500, 1000, 5000];
/** How long a health read waits for a busy worker before its last pushed health (at most 0.5 s old then) is shown. */
const HEALTH_WAIT_MS = 1000;

/**
 * The workers of `switchyard run --workers N`, as the main thread sees them: one thread per worker,
 * each running the config's pipelines. What the receivers accept is cut by the routing rule (the
 * `service` key) so that a series always reaches the same worker; a pull exporter's endpoint is served
 * here, merged. A worker that dies is restarted with the same index (so it reopens its own persistent
 * queue) and counted in `/health/detailed`; what was in flight to it is refused as retryable (the
 * client retries), what it had acknowledged to a persistent queue is resent by its successor.
 */
/**
 * A worker thread's entry: the compiled module when this file runs from dist/ (plain node), else a
 * bootstrap that loads the TypeScript sources through tsx's loader.
 */
const THREAD_ENTRY = import.meta.url.endsWith('.js') ? new URL('./worker-thread.js', import.meta.url) : new URL('./thread.mjs', import.meta.url);

export class WorkerPool implements PipelineHost {
  private readonly slots: Slot[];
  private nextId = 1;
  private stopping = false;
  private scrapeServers: [exporter: string, server: ScrapeServer][] = [];
  private scrapeEndpoints = new Map<string, string>();
  /** The config the workers run (their scrape servers follow it). */
  private config: GatewayConfig | undefined;
  /** Settles when a reload's worker part ends: a scrape that finds a worker without its page waits for it. */
  private reloadingWorkers: Promise<unknown> | undefined;
  /** The last whole merged page of each exporter, by what the scraper accepts (see `scrape`). */
  private readonly lastPages = new Map<string, ScrapePage>();
  /** Where the workers' own spans go (the gateway's tracer); dropped until it is set. */
  private spanSink: ((spans: WireSpan[]) => void) | undefined;
  /** Every thread's memory in use, shared with the workers (slot 0: this thread's, published while running). */
  private readonly memory: MemoryFigures;
  private stopPublishing: (() => void) | undefined;
  /** `switchyard tap` and the status page's tap: every worker's points, merged. */
  readonly taps = new WorkerTapSource({
    running: () => this.slots.filter((s) => s.worker && s.status.state === 'running').map((s) => s.status.index),
    request: (index, message) => this.request(this.slots[index]!, message),
  });

  constructor(
    private readonly options: { configFile: string; count: number; logger: Logger; entry?: URL },
  ) {
    this.slots = Array.from({ length: options.count }, (_, index) => ({
      status: { index, state: 'starting', thread_id: undefined, restarts: 0, last_exit: null },
      worker: undefined,
      pending: new Map(),
      health: [],
      ready: false,
      started: undefined,
    }));
    this.memory = new MemoryFigures(MemoryFigures.allocate(options.count), 0);
  }

  get count(): number {
    return this.slots.length;
  }

  async start(config: GatewayConfig): Promise<void> {
    this.stopping = false;
    this.stopPublishing ??= this.memory.publishEvery();
    await Promise.all(this.slots.map((slot) => this.spawn(slot)));
    await this.openScrapeServers(config);
    this.config = config;
  }

  /**
   * The scrape ports move first: one the new config cannot bind refuses the reload (thrown, located)
   * before any worker changes, the running ones handed back to servers of the running config. Then the
   * workers reload; if they refuse, the scrape ports go back to the running config too.
   */
  async reload(config: GatewayConfig): Promise<boolean> {
    const previous = this.config!;
    await this.moveScrapeServers(config, previous);
    const workers = Promise.all(this.slots.map((s) => this.request(s, { type: 'reload' }) as Promise<{ ok: boolean }>));
    this.reloadingWorkers = workers.catch(() => undefined);
    let results: { ok: boolean }[];
    try {
      results = await workers;
    } finally {
      this.reloadingWorkers = undefined;
    }
    if (results.every((r) => r.ok)) {
      this.config = config;
      for (const key of this.lastPages.keys()) if (!config.exporters.has(key.slice(0, key.indexOf('\n')))) this.lastPages.delete(key);
      return true;
    }
    await this.moveScrapeServers(previous);
    return false;
  }

  /**
   * Scrape servers for `config` in place of the current ones. A port kept stays bound throughout (scrapes
   * arriving meanwhile wait, then get the new servers' pages); one that moved is bound anew and the old
   * one closed; one no longer used is closed. When a new server cannot listen and `fallback` is given,
   * the listeners go back to servers of `fallback` (the config still running) and the error is thrown.
   */
  private async moveScrapeServers(config: GatewayConfig, fallback?: GatewayConfig): Promise<void> {
    const held = this.handOverScrapeServers();
    try {
      // A scrape port the new config gives to another exporter (moved, swapped) is freed for it first.
      await freeMovedPorts(boundEndpoints(config), new Map([...held].map(([key, listener]) => [key, new HttpHandover(listener)])));
      await this.openScrapeServers(config, held);
    } catch (error) {
      if (!fallback) throw error;
      // What the new servers took, and what they had not taken yet, back to the running config's servers.
      const back = this.handOverScrapeServers();
      for (const [key, listener] of held) if (!back.has(key) && !listener.closed) back.set(key, listener);
      held.clear();
      await this.openScrapeServers(fallback, back)
        .catch((again: unknown) => this.options.logger.error({ err: again }, 'A scrape port of the running configuration could not be served again.'))
        .finally(() => closeAll(back));
      throw error;
    } finally {
      // Listeners no new server took (a port moved or no longer used): closed now.
      await closeAll(held);
    }
  }

  /** Every scrape server stops answering but stays bound: its listener, by exporter key (scrapes wait in it). */
  private handOverScrapeServers(): Map<string, HttpListener> {
    const held = new Map<string, HttpListener>();
    for (const [key, server] of this.scrapeServers) {
      const listener = server.handOver();
      if (listener) held.set(key, listener);
    }
    this.scrapeServers = [];
    this.scrapeEndpoints.clear();
    return held;
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    this.stopPublishing?.();
    this.stopPublishing = undefined;
    await this.closeScrapeServers();
    await Promise.all(
      this.slots.map(async (slot) => {
        const worker = slot.worker;
        if (!worker) return;
        slot.status.state = 'stopping';
        await this.request(slot, { type: 'shutdown' }).catch((error: unknown) => this.options.logger.error({ err: error, worker: slot.status.index }, 'A worker failed to shut down cleanly.'));
        await worker.terminate();
        slot.status.state = 'stopped';
      }),
    );
  }

  forward(receiverKey: string, signals: Signal[]): SignalConsumers {
    // The config the receivers are built for: forward runs after start, and after a reload the workers took.
    const refusal = memoryRefusal(this.memory, this.config && memoryBoundOf(this.config, receiverKey));
    const send = (signal: Signal) => async (batch: unknown) => {
      const refused = refusal?.();
      if (refused) throw refused;
      const parts = splitByWorker(signal, batch, this.slots.length);
      // The origin the receiver consumes under (a JetStream partition) goes along: the worker's stages keep state by it.
      const origin = currentOrigin();
      const message = (part: unknown) => ({ type: 'consume' as const, receiver: receiverKey, signal, batch: part, ...(origin === undefined ? {} : { origin }) });
      await firstFailure(parts.map((part, i) => (part === undefined ? undefined : this.request(this.slots[i]!, message(part)))));
    };
    const proto = new ProtoForwarder(this.slots.length, (i, message, transfer) => this.request(this.slots[i]!, message, transfer));
    const out: SignalConsumers = { otlpProto: { exportProto: (signal, body, limits) => proto.exportProto(receiverKey, signal, body, limits) }, ...(refusal ? { refusal } : {}) };
    if (signals.includes('metrics')) out.metrics = { consumeMetrics: send('metrics') };
    if (signals.includes('traces')) out.traces = { consumeTraces: send('traces') };
    if (signals.includes('logs')) out.logs = { consumeLogs: send('logs') };
    return out;
  }

  /**
   * Every running worker forgets what it built from `origins`. Posted after the batches sent before (one
   * port per worker keeps their order); a worker restarting now starts empty anyway.
   */
  originsLost(receiverKey: string, origins: readonly string[]): void {
    for (const slot of this.slots) {
      if (!slot.worker || slot.status.state !== 'running') continue;
      this.request(slot, { type: 'origins-lost', receiver: receiverKey, origins: [...origins] }).catch((error: unknown) =>
        this.options.logger.error({ err: error, worker: slot.status.index, receiver: receiverKey }, 'A worker failed to forget the state of lost origins.'),
      );
    }
  }

  health(): ComponentStatus[] {
    return combineStatuses(this.slots.map((s) => s.health), this.scrapeEndpoints);
  }

  ready(): boolean {
    return this.slots.every((s) => s.ready && s.status.state === 'running');
  }

  details(): Record<string, unknown> {
    return { workers: this.slots.map((s) => ({ ...s.status })) };
  }

  /** What passed each place of the pipelines, summed over the workers (see mergePlaces). */
  async places(): Promise<Places> {
    const running = (s: Slot) => s.worker && s.status.state === 'running';
    return mergePlaces(await Promise.all(this.slots.map((s) => (running(s) ? (this.request(s, { type: 'places' }) as Promise<Places>).catch(() => undefined) : undefined))));
  }

  async selfMetrics(): Promise<MetricObjectWithValues<MetricValue<string>>[][]> {
    const live = this.slots.filter((s) => s.status.state === 'running');
    return (await Promise.all(live.map((s) => this.request(s, { type: 'self-metrics' }).catch(() => [])))) as MetricObjectWithValues<MetricValue<string>>[][];
  }

  async refreshHealth(): Promise<void> {
    const running = this.slots.filter((s) => s.worker && s.status.state === 'running');
    await Promise.all(
      running.map(async (slot) => {
        const worker = slot.worker;
        const health = (await Promise.race([this.request(slot, { type: 'health' }).catch(() => undefined), sleep(HEALTH_WAIT_MS, undefined, { ref: false })])) as WorkerHealth | undefined;
        // Not when the worker was replaced meanwhile: its successor's pushes are the ones to keep.
        if (!health || slot.worker !== worker) return;
        slot.health = health.statuses;
        slot.ready = health.ready;
      }),
    );
  }

  onSpans(sink: (spans: WireSpan[]) => void): void {
    this.spanSink = sink;
  }

  /** Ends a worker thread as a crash would (fault drills and tests): it is restarted like any dead worker. */
  async terminate(index: number): Promise<void> {
    await this.slots[index]?.worker?.terminate();
  }

  private spawn(slot: Slot): Promise<void> {
    const data: WorkerData = { configFile: this.options.configFile, index: slot.status.index, count: this.slots.length, memory: this.memory.buffer };
    const worker = new Worker(this.options.entry ?? THREAD_ENTRY, { workerData: data });
    slot.worker = worker;
    slot.ready = false;
    slot.health = [];
    slot.status.thread_id = worker.threadId;
    slot.status.state = slot.status.restarts > 0 ? 'restarting' : 'starting';
    slot.started = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'started':
            slot.status.state = 'running';
            return resolve();
          case 'start-failed':
            return reject(new Error(`worker ${slot.status.index} did not start: ${m.message}`));
          case 'health':
            slot.health = m.statuses;
            slot.ready = m.ready;
            return;
          case 'secret':
            return registerSecret(m.value);
          case 'spans':
            return this.spanSink?.(m.spans);
          case 'tap-points':
          case 'tap-closed':
            return this.taps.receive(slot.status.index, m);
          case 'reply': {
            const p = slot.pending.get(m.id);
            if (!p) return;
            slot.pending.delete(m.id);
            return m.ok ? p.resolve(m.value) : p.reject(fromWire(m.error));
          }
        }
      });
      worker.on('error', (error) => {
        slot.status.last_exit = { code: -1, time: new Date().toISOString(), error: error.message };
        this.options.logger.error({ err: error, worker: slot.status.index }, 'A worker thread failed.');
      });
      worker.on('exit', (code) => {
        if (slot.worker !== worker) return;
        slot.worker = undefined;
        slot.ready = false;
        this.memory.clear(slot.status.index + 1);
        const lost = ConsumerError.retryable(`worker ${slot.status.index} exited (code ${code}) before answering; retry`, { retryAfterMs: 1000 });
        for (const p of slot.pending.values()) p.reject(lost);
        slot.pending.clear();
        this.taps.workerExited(slot.status.index);
        reject(new Error(`worker ${slot.status.index} exited with code ${code} while starting`));
        if (this.stopping) return;
        slot.status.last_exit = { code, time: new Date().toISOString(), ...(slot.status.last_exit?.error && slot.status.last_exit.code === -1 ? { error: slot.status.last_exit.error } : {}) };
        slot.status.state = 'restarting';
        const delay = RESTART_BACKOFF_MS[Math.min(slot.status.restarts, RESTART_BACKOFF_MS.length - 1)]!;
        slot.status.restarts++;
        this.options.logger.error({ worker: slot.status.index, code, restarts: slot.status.restarts, delay_ms: delay }, 'A worker exited; restarting it.');
        setTimeout(() => {
          if (this.stopping) return;
          this.spawn(slot).then(
            () => this.options.logger.info({ worker: slot.status.index, restarts: slot.status.restarts }, 'Worker restarted.'),
            (error: unknown) => this.options.logger.error({ err: error, worker: slot.status.index }, 'A restarted worker failed to start.'),
          );
        }, delay).unref();
      });
    });
    return slot.started;
  }

  private request(slot: Slot, message: WorkerRequest, transfer?: ArrayBuffer[]): Promise<unknown> {
    const worker = slot.worker;
    if ((message.type === 'consume' || message.type === 'export' || message.type === 'commit') && (!worker || slot.status.state !== 'running')) {
      // A worker restarting: the client retries, and by then its successor runs.
      return Promise.reject(ConsumerError.retryable(`worker ${slot.status.index} is ${slot.status.state}; retry`, { retryAfterMs: 1000 }));
    }
    if (!worker) return Promise.reject(new Error(`worker ${slot.status.index} is ${slot.status.state}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id } as ToWorker, transfer);
    });
  }

  /**
   * One page merged from every worker's. A worker without the exporter yet (a reload moves the scrape
   * servers first, then the workers) or not answering (restarting) makes no page: during a reload the
   * scrape waits for the workers and asks again; otherwise (or if still incomplete) it gets the last whole
   * page, so Prometheus never sees a 503 nor a page missing a worker's series. It fails only when there
   * never was one.
   */
  private async scrape(exporter: string, request: ScrapeRequest): Promise<ScrapePage> {
    const key = `${exporter}\n${request.accept ?? ''}\n${request.acceptEncoding ?? ''}`;
    let page = await this.wholePage(exporter, request).catch(() => undefined);
    if (!page && this.reloadingWorkers) {
      await this.reloadingWorkers;
      page = await this.wholePage(exporter, request).catch(() => undefined);
    }
    if (page) {
      this.lastPages.set(key, page);
      return page;
    }
    const last = this.lastPages.get(key);
    if (last) return last;
    return this.wholePage(exporter, request);
  }

  /** Every worker's page of `exporter`, merged; throws when any worker has none or does not answer. */
  private async wholePage(exporter: string, request: ScrapeRequest): Promise<ScrapePage> {
    const pages = (await Promise.all(this.slots.map((s) => this.request(s, { type: 'scrape', exporter, request })))) as (ScrapePage | undefined)[];
    const present = pages.filter((p): p is ScrapePage => p !== undefined);
    if (present.length < pages.length) throw new Error(`${pages.length - present.length} of ${pages.length} workers do not serve exporter ${exporter} (yet)`);
    return { ...present[0]!, body: mergeExpositions(present.map((p) => p.body)) };
  }

  /** The main thread listens where each pull exporter the pipelines use would. */
  /** `held` (a reload): the listeners the previous servers left bound, by exporter key; those taken are removed. */
  private async openScrapeServers(config: GatewayConfig, held?: Map<string, HttpListener>): Promise<void> {
    const used = new Set(config.pipelines.flatMap((p) => p.exporters));
    for (const [key, ec] of config.exporters) {
      const listener = ec.factory.scrapeListener?.(ec.config);
      if (!listener || !used.has(key) || ec.factory.disabledReason?.(ec.config)) continue;
      const server = new ScrapeServer(listener, (r) => this.scrape(key, r), (error) => this.options.logger.error({ err: error, exporter: key }, 'A merged scrape failed.'));
      try {
        // Deleted once taken: one the new server could not replace stays in `held`, which the caller closes.
        this.scrapeEndpoints.set(key, await server.start(held?.get(key)));
        held?.delete(key);
      } catch (error) {
        throw locateFault(error, ec.located);
      }
      this.scrapeServers.push([key, server]);
    }
  }

  private async closeScrapeServers(): Promise<void> {
    await Promise.all(this.scrapeServers.map(([, s]) => s.close()));
    this.scrapeServers = [];
    this.scrapeEndpoints.clear();
  }
}

/** Closes the listeners in `held` and forgets them. */
async function closeAll(held: Map<string, HttpListener>): Promise<void> {
  await Promise.all([...held.values()].map((l) => l.close()));
  held.clear();
}

/** Waits for every send; the first refusal (in worker order) is the request's answer. */
async function firstFailure(sends: (Promise<unknown> | undefined)[]): Promise<void> {
  const results = await Promise.allSettled(sends.filter((s): s is Promise<unknown> => s !== undefined));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
