import type { Signal } from '../model/common.ts';
import { admit } from '../otlp/admission.ts';
import { OtlpDecodeError } from '../otlp/decode/index.ts';
import { OTLP_SIGNALS, type OtlpBatch } from '../otlp/signals.ts';
import type { PartReport, ToWorker, WireError } from './protocol.ts';

type ExportMessage = ToWorker & { type: 'export' };

/**
 * The worker's side of an undecoded OTLP request: decode its part with the receiver's decoder, apply the
 * receiver's limits, and hand it to the pipelines now or, for a request split over workers, once the
 * main thread commits it (every part decoded and the whole within the limits).
 */
export class ProtoExports {
  private readonly held = new Map<number, () => Promise<WireError | undefined>>();

  constructor(
    private readonly consume: (receiver: string, signal: Signal, batch: OtlpBatch) => Promise<void>,
    private readonly wire: (error: unknown) => WireError,
  ) {}

  async export(m: ExportMessage): Promise<PartReport> {
    let decoded;
    try {
      decoded = OTLP_SIGNALS[m.signal].decodeProto(m.body);
    } catch (error) {
      if (error instanceof OtlpDecodeError) return { kind: 'malformed', message: error.message };
      throw error;
    }
    const admission = admit(m.signal, decoded, m.limits);
    if (admission.kind === 'too_many') return admission;
    const { batch, figures } = admission;
    const run = () => (figures.items === 0 ? Promise.resolve(undefined) : this.consume(m.receiver, m.signal, batch).then(() => undefined, this.wire));
    if (m.hold !== undefined) {
      this.held.set(m.hold, run);
      return { kind: 'held', ...figures };
    }
    const refusal = await run();
    return { kind: 'done', ...figures, ...(refusal ? { refusal } : {}) };
  }

  /** Consumes a held part: the pipelines' refusal, if any. */
  async commit(hold: number): Promise<WireError | undefined> {
    const run = this.held.get(hold);
    this.held.delete(hold);
    return run ? run() : { message: `request ${hold} was not held by this worker`, retryable: true };
  }

  abort(hold: number): void {
    this.held.delete(hold);
  }
}
