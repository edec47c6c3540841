import type { Span } from '../../model/traces.ts';
import type { Rejections } from './result.ts';

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/**
 * A span needs a valid trace ID (16 bytes, not all zero) and span ID (8 bytes, not all zero): without
 * them no backend can place it in a trace. Others are counted as rejected (partial success).
 */
export function validSpan(span: Span, rej: Rejections): boolean {
  if (span.traceId.length === 32 && span.spanId.length === 16 && span.traceId !== ZERO_TRACE_ID && span.spanId !== ZERO_SPAN_ID) return true;
  rej.reject(1, `span "${span.name}" has an invalid trace or span ID (trace "${span.traceId}", span "${span.spanId}")`);
  return false;
}
