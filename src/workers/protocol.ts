import type { ScrapeRequest } from '../component/component.ts';
import type { Signal } from '../model/common.ts';
import type { ComponentStatus } from '../pipeline/health.ts';

/**
 * The messages between the main thread and its workers (`switchyard run --workers N`). Batches travel
 * by structured clone: the decoded data model is plain objects, arrays and typed arrays.
 */
export type ToWorker =
  | { type: 'consume'; id: number; receiver: string; signal: Signal; batch: unknown }
  | { type: 'scrape'; id: number; exporter: string; request: ScrapeRequest }
  | { type: 'self-metrics'; id: number }
  | { type: 'reload'; id: number }
  | { type: 'shutdown'; id: number };

export type FromWorker =
  | { type: 'started'; scrapeable: string[] }
  | { type: 'start-failed'; message: string }
  | { type: 'health'; statuses: ComponentStatus[]; ready: boolean }
  | { type: 'reply'; id: number; ok: true; value?: unknown }
  | { type: 'reply'; id: number; ok: false; error: WireError };

/** A ConsumerError as it crosses the thread boundary. */
export interface WireError {
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  rejectedItems?: number;
}

/** What each worker thread is started with. */
export interface WorkerData {
  configFile: string;
  index: number;
  count: number;
  /** The main thread's log level, so a worker logs as it does. */
  logLevel: string;
}
