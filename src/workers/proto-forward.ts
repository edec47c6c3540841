import { ConsumerError } from '../consumer/errors.ts';
import type { Signal } from '../model/common.ts';
import type { AdmissionFigures, RequestLimits } from '../otlp/admission.ts';
import { OtlpDecodeError } from '../otlp/decode/index.ts';
import type { ProtoExportReport } from '../otlp/proto-consumer.ts';
import { scanResources } from '../otlp/resource-scan.ts';
import type { PartReport, ToWorker, WireError } from './protocol.ts';
import { cutByWorker } from './split.ts';
import { fromWire } from './wire-error.ts';

type Message = ToWorker extends infer M ? (M extends { type: 'export' | 'commit' | 'abort' } ? Omit<M, 'id'> : never) : never;

/** Sends a message to worker `index` (moving `transfer`) and resolves to its reply; rejects when the worker cannot take it. */
export type AskWorker = (index: number, message: Message, transfer?: ArrayBuffer[]) => Promise<unknown>;

const NOTHING: AdmissionFigures = { items: 0, rejected: 0, droppedAttributes: 0, truncatedValues: 0 };

/**
 * The main thread's side of an undecoded OTLP protobuf request with `--workers N`: read only each
 * resource's `service.name`, cut the body by resource for the workers and move each part's buffer to
 * its worker, which decodes, checks and consumes it. A request for one worker (the usual case: one
 * service per SDK) costs one message each way; one split over workers is decoded and checked by each
 * first and consumed only once every part passed (malformed or over `max_points_per_request` anywhere:
 * nothing is consumed), so its answer holds for the whole request.
 */
export class ProtoForwarder {
  private nextHold = 1;

  constructor(
    private readonly workers: number,
    private readonly ask: AskWorker,
  ) {}

  /** Takes `body` over: its buffer may be moved to a worker thread. */
  async exportProto(receiver: string, signal: Signal, body: Uint8Array, limits: RequestLimits): Promise<ProtoExportReport> {
    let entries;
    try {
      entries = scanResources(signal, body);
    } catch (error) {
      if (error instanceof OtlpDecodeError) return { kind: 'malformed', message: error.message };
      throw error;
    }
    const parts = cutByWorker(body, entries, this.workers, { maxAttributes: limits.max_attributes_per_point, maxValueLength: limits.max_attribute_value_length });
    const targets = parts.flatMap((p, i) => (p ? [{ index: i, part: movable(p) }] : []));
    if (targets.length === 0) return { kind: 'done', ...NOTHING };
    if (targets.length === 1) {
      const { index, part } = targets[0]!;
      try {
        return fromPart((await this.ask(index, { type: 'export', receiver, signal, body: part, limits }, [part.buffer])) as PartReport);
      } catch (error) {
        return { kind: 'done', ...NOTHING, refusal: ConsumerError.from(error) };
      }
    }
    return this.split(receiver, signal, targets, limits);
  }

  private async split(receiver: string, signal: Signal, targets: { index: number; part: Uint8Array<ArrayBuffer> }[], limits: RequestLimits): Promise<ProtoExportReport> {
    const hold = this.nextHold++;
    const replies = await Promise.allSettled(targets.map(({ index, part }) => this.ask(index, { type: 'export', receiver, signal, body: part, limits, hold }, [part.buffer]) as Promise<PartReport>));
    const reports = replies.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const figures = sum(reports);
    const abort = () => targets.forEach(({ index }, i) => replies[i]!.status === 'fulfilled' && void this.ask(index, { type: 'abort', hold }).catch(() => undefined));
    const failed = replies.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const malformed = reports.find((r) => r.kind === 'malformed');
    if (failed || malformed || reports.some((r) => r.kind === 'too_many') || figures.items > limits.max_points_per_request) abort();
    if (failed) return { kind: 'done', ...figures, refusal: ConsumerError.from(failed.reason) };
    if (malformed) return malformed;
    if (reports.some((r) => r.kind === 'too_many') || figures.items > limits.max_points_per_request) return { kind: 'too_many', items: figures.items };
    const commits = await Promise.allSettled(targets.map(({ index }) => this.ask(index, { type: 'commit', hold }) as Promise<WireError | undefined>));
    for (const c of commits) {
      if (c.status === 'rejected') return { kind: 'done', ...figures, refusal: ConsumerError.from(c.reason) };
      if (c.value) return { kind: 'done', ...figures, refusal: fromWire(c.value) };
    }
    return { kind: 'done', ...figures };
  }
}

/** The bytes in a buffer of their own that can be moved to another thread (a pooled or shared one is copied). */
function movable(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const whole = bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return whole ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

function fromPart(r: PartReport): ProtoExportReport {
  if (r.kind === 'malformed' || r.kind === 'too_many') return r;
  const { kind: _, refusal, ...figures } = r;
  return { kind: 'done', ...figures, ...(refusal ? { refusal: fromWire(refusal) } : {}) };
}

/** The parts' figures as one request's: counts summed, the first reason (in worker order) kept. */
function sum(reports: readonly PartReport[]): AdmissionFigures {
  const out = { ...NOTHING };
  for (const r of reports) {
    if (r.kind === 'malformed') continue;
    out.items += r.items;
    if (r.kind === 'too_many') continue;
    out.rejected += r.rejected;
    out.droppedAttributes += r.droppedAttributes;
    out.truncatedValues += r.truncatedValues;
    if (r.rejectedReason !== undefined) out.rejectedReason ??= r.rejectedReason;
  }
  return out;
}
