import type { Attributes, Signal } from '../model/common.ts';
import { limitOne, type AttributeLimits } from '../otlp/attribute-limits.ts';
import type { ResourceEntry } from '../otlp/resource-scan.ts';
import { partitionOf } from '../routing/partition.ts';
import { routingKey } from '../routing/key.ts';

/**
 * Which worker each resource of a batch goes to: the routing rule's `service` key (`service.name`),
 * partitioned over the workers. Every stateful part of the shipped pipelines is keyed within a service
 * (cardinality caps per resource and metric, ratios by service and env, spanmetrics and prefer per
 * service, the exporters' series by job = service), so each state lives whole in one worker.
 */
export function workerOf(resource: Attributes, workers: number): number {
  return partitionOf(routingKey('service', { resource }), workers);
}

const FIELD: Record<Signal, 'resourceMetrics' | 'resourceSpans' | 'resourceLogs'> = { metrics: 'resourceMetrics', traces: 'resourceSpans', logs: 'resourceLogs' };

/**
 * The batch cut into one batch per worker (undefined where a worker gets nothing). A batch whose
 * resources all go to one worker is passed whole, not copied.
 */
export function splitByWorker<T>(signal: Signal, batch: T, workers: number): (T | undefined)[] {
  const field = FIELD[signal];
  const resources = (batch as unknown as Record<string, { resource: { attributes: Attributes } }[]>)[field]!;
  const out: (T | undefined)[] = new Array(workers).fill(undefined);
  if (resources.length === 0) return out;
  const targets = resources.map((r) => workerOf(r.resource.attributes, workers));
  if (targets.every((t) => t === targets[0])) {
    out[targets[0]!] = batch;
    return out;
  }
  const parts: (typeof resources)[] = Array.from({ length: workers }, () => []);
  resources.forEach((r, i) => parts[targets[i]!]!.push(r));
  parts.forEach((list, w) => {
    if (list.length > 0) out[w] = { ...(batch as object), [field]: list } as T;
  });
  return out;
}

/**
 * An undecoded OTLP protobuf request cut into one request per worker by its resources (`entries`, from
 * scanResources), undefined where a worker gets nothing. Each part is the byte ranges of its resource
 * entries, concatenated: itself a valid request. A request whose resources all go to one worker is
 * passed whole. Routing sees each resource as the decoder and the receiver's attribute limits leave it,
 * as it would after decoding.
 */
export function cutByWorker(body: Uint8Array, entries: readonly ResourceEntry[], workers: number, limits: AttributeLimits): (Uint8Array | undefined)[] {
  const out: (Uint8Array | undefined)[] = new Array(workers).fill(undefined);
  if (entries.length === 0) return out;
  const unused = { droppedAttributes: 0, truncatedValues: 0 };
  const targets = entries.map((e) => workerOf(limitOne(e.resource.attributes, limits, unused), workers));
  if (targets.every((t) => t === targets[0])) {
    out[targets[0]!] = body;
    return out;
  }
  const sizes: number[] = new Array(workers).fill(0);
  entries.forEach((e, i) => (sizes[targets[i]!]! += e.end - e.start));
  const filled: number[] = new Array(workers).fill(0);
  entries.forEach((e, i) => {
    const w = targets[i]!;
    const part = (out[w] ??= new Uint8Array(sizes[w]!));
    part.set(body.subarray(e.start, e.end), filled[w]);
    filled[w]! += e.end - e.start;
  });
  return out;
}
