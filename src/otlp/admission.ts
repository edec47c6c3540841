import type { Signal } from '../model/common.ts';
import { limitAttributes } from './attribute-limits.ts';
import type { DecodeResult } from './decode/index.ts';
import { OTLP_SIGNALS, type OtlpBatch } from './signals.ts';

/** What one request may hold (the otlp receiver's limits, the same on both protocols). */
export interface RequestLimits {
  max_points_per_request: number;
  max_attributes_per_point: number;
  max_attribute_value_length: number;
}

/** What admitting a request found and changed: the figures its answer and the receiver's counters need. */
export interface AdmissionFigures {
  items: number;
  /** Items the decoder found unusable (`partial_success`), and the first reason. */
  rejected: number;
  rejectedReason?: string;
  droppedAttributes: number;
  truncatedValues: number;
}

/** A decoded request refused whole for holding too many items, or admitted with its attributes limited. */
export type Admission<B extends OtlpBatch = OtlpBatch> = { kind: 'too_many'; items: number } | { kind: 'admitted'; batch: B; figures: AdmissionFigures };

/**
 * Checks a decoded request against the limits before the pipelines see it: over `max_points_per_request`
 * it is refused whole; otherwise its attributes are cut to the limits. Runs where the request is decoded
 * (the receiver's thread, or a worker thread with `--workers N`).
 */
export function admit<B extends OtlpBatch>(signal: Signal, decoded: DecodeResult<B>, limits: RequestLimits): Admission<B> {
  const items = OTLP_SIGNALS[signal].count(decoded.batch);
  if (items > limits.max_points_per_request) return { kind: 'too_many', items };
  const cut = limitAttributes(decoded.batch, { maxAttributes: limits.max_attributes_per_point, maxValueLength: limits.max_attribute_value_length });
  const figures: AdmissionFigures = { items, rejected: decoded.rejected, ...cut };
  if (decoded.rejectedReason !== undefined) figures.rejectedReason = decoded.rejectedReason;
  return { kind: 'admitted', batch: decoded.batch, figures };
}
