import type { ConsumerError } from '../consumer/errors.ts';
import type { Signal } from '../model/common.ts';
import type { AdmissionFigures, RequestLimits } from './admission.ts';

/** How a request handed over undecoded ended: malformed, over the item limit, or admitted (and refused or not). */
export type ProtoExportReport = { kind: 'malformed'; message: string } | { kind: 'too_many'; items: number } | ({ kind: 'done'; refusal?: ConsumerError } & AdmissionFigures);

/**
 * Takes an OTLP protobuf request body as received. Offered by the pipelines' host with `--workers N`:
 * decoding, limits and pipelines then run in the worker threads, and the receiver's thread only reads
 * each resource's `service.name` to route it.
 */
export interface ProtoConsumer {
  exportProto(signal: Signal, body: Uint8Array, limits: RequestLimits): Promise<ProtoExportReport>;
}
