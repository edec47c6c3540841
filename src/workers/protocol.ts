import type { ScrapeRequest } from '../component/component.ts';
import type { Signal } from '../model/common.ts';
import type { AdmissionFigures, RequestLimits } from '../otlp/admission.ts';
import type { ComponentStatus } from '../pipeline/health.ts';
import type { WireSpan } from '../telemetry/forwarded-spans.ts';
import type { TapWhere } from '../pipeline/tap.ts';
import type { TappedPoint } from '../pipeline/tap-sample.ts';

/**
 * The messages between the main thread and its workers (`switchyard run --workers N`). OTLP protobuf
 * requests travel undecoded (`export`: the worker's share of the request's resources, its buffer
 * transferred, not copied); a request split over several workers is first decoded and checked by each
 * (`hold`), then committed or aborted as a whole, so that it is answered as one. Other receivers'
 * batches (`consume`) travel decoded, by structured clone, with the origin they were consumed under
 * (src/consumer/origin.ts); a receiver's lost origins (`origins-lost`) go to every worker.
 */
export type ToWorker =
  | { type: 'consume'; id: number; receiver: string; signal: Signal; batch: unknown; origin?: string }
  | { type: 'origins-lost'; id: number; receiver: string; origins: string[] }
  | { type: 'export'; id: number; receiver: string; signal: Signal; body: Uint8Array; limits: RequestLimits; hold?: number }
  | { type: 'commit' | 'abort'; id: number; hold: number }
  | { type: 'scrape'; id: number; exporter: string; request: ScrapeRequest }
  | { type: 'self-metrics'; id: number }
  | { type: 'health'; id: number }
  | { type: 'places'; id: number }
  | { type: 'tap-list'; id: number }
  | { type: 'tap-attach'; id: number; tap: number; where: TapWhere; options: WireTapOptions }
  | { type: 'tap-detach'; id: number; tap: number }
  | { type: 'reload'; id: number }
  | { type: 'shutdown'; id: number };

/** A message to a worker before WorkerPool numbers it. */
export type WorkerRequest = ToWorker extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

export type FromWorker =
  | { type: 'started'; scrapeable: string[] }
  | { type: 'start-failed'; message: string }
  | ({ type: 'health' } & WorkerHealth)
  /** A secret the worker learned (a Basic header it built, a token file it read): the main thread scrubs it too. */
  | { type: 'secret'; value: string }
  /** The worker's own finished spans (`service.telemetry.traces`): the main thread exports them. */
  | { type: 'spans'; spans: WireSpan[] }
  | TapMessage
  | { type: 'reply'; id: number; ok: true; value?: unknown }
  | { type: 'reply'; id: number; ok: false; error: WireError };

/**
 * A worker's answer to `export`: its part malformed, over the item limit, or admitted: consumed
 * (`done`, with the pipelines' refusal if any) or kept until the commit (`held`).
 */
export type PartReport = { kind: 'malformed'; message: string } | { kind: 'too_many'; items: number } | ({ kind: 'done' | 'held'; refusal?: WireError } & AdmissionFigures);

/** A ConsumerError as it crosses the thread boundary. */
export interface WireError {
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  rejectedItems?: number;
}

/** A worker's components as it last reported them: pushed every 0.5 s, and the answer to `health`. */
export interface WorkerHealth {
  statuses: ComponentStatus[];
  ready: boolean;
}

/** What each worker thread is started with. */
export interface WorkerData {
  configFile: string;
  index: number;
  count: number;
  /** Every thread's memory in use (MemoryFigures): the worker's memory limiters measure the process. */
  memory: SharedArrayBuffer;
}

/** A tap's options as they cross to a worker (the name filter as its source). */
export interface WireTapOptions {
  match?: string;
  pointsPerSecond: number;
  bufferPoints: number;
}

/**
 * A worker's part of a tap, pumped to the main thread: the points it kept since the last message, and its
 * counts so far (cumulative); or the end of its part (its pipelines stopped for a reload, say).
 */
export type TapMessage =
  | { type: 'tap-points'; tap: number; points: TappedPoint[]; sampled: number; dropped: number }
  | { type: 'tap-closed'; tap: number; reason: string };
