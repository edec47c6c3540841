import type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace-base';

/**
 * A finished span of a worker thread as it crosses to the main thread (`--workers N`): plain data, as a
 * structured clone needs (no `spanContext()` method, no resource object). The main thread exports it
 * with its own resource, so every span of the process carries the one `service.instance.id`.
 */
export interface WireSpan {
  name: string;
  kind: SpanKind;
  context: SpanContext;
  parent?: SpanContext;
  startTime: HrTime;
  endTime: HrTime;
  duration: HrTime;
  status: SpanStatus;
  attributes: Attributes;
  links: Link[];
  events: TimedEvent[];
  scope: InstrumentationScope;
  dropped: { attributes: number; events: number; links: number };
}

export function toWireSpan(span: ReadableSpan): WireSpan {
  const context = span.spanContext();
  return {
    name: span.name,
    kind: span.kind,
    // Without traceState: an object with methods, and the gateway's own spans never set one.
    context: { traceId: context.traceId, spanId: context.spanId, traceFlags: context.traceFlags },
    ...(span.parentSpanContext ? { parent: { traceId: span.parentSpanContext.traceId, spanId: span.parentSpanContext.spanId, traceFlags: span.parentSpanContext.traceFlags } } : {}),
    startTime: span.startTime,
    endTime: span.endTime,
    duration: span.duration,
    status: span.status,
    attributes: span.attributes,
    links: span.links.map((l) => ({ context: { traceId: l.context.traceId, spanId: l.context.spanId, traceFlags: l.context.traceFlags }, ...(l.attributes ? { attributes: l.attributes } : {}) })),
    events: span.events,
    scope: { name: span.instrumentationScope.name, ...(span.instrumentationScope.version ? { version: span.instrumentationScope.version } : {}) },
    dropped: { attributes: span.droppedAttributesCount, events: span.droppedEventsCount, links: span.droppedLinksCount },
  };
}

/** A worker's span again, as the main thread's span processors take it, with the main thread's `resource`. */
export function fromWireSpan(wire: WireSpan, resource: Resource): ReadableSpan {
  return {
    name: wire.name,
    kind: wire.kind,
    spanContext: () => wire.context,
    ...(wire.parent ? { parentSpanContext: wire.parent } : {}),
    startTime: wire.startTime,
    endTime: wire.endTime,
    duration: wire.duration,
    ended: true,
    status: wire.status,
    attributes: wire.attributes,
    links: wire.links,
    events: wire.events,
    resource,
    instrumentationScope: wire.scope,
    droppedAttributesCount: wire.dropped.attributes,
    droppedEventsCount: wire.dropped.events,
    droppedLinksCount: wire.dropped.links,
  };
}

/** A worker thread's span exporter: hands each batch to the main thread (`post`), which exports it. */
export class ForwardingSpanExporter implements SpanExporter {
  constructor(private readonly post: (spans: WireSpan[]) => void) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    try {
      this.post(spans.map(toWireSpan));
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  async shutdown(): Promise<void> {}
}
