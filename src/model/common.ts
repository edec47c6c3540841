/**
 * The internal telemetry model: OTLP decoded once into plain objects, never re-parsed by a later stage.
 * Timestamps are Unix nanoseconds held in a float64: exact to ~256 ns at today's epoch, which every
 * backend we export to (ms for Prometheus, s for DataDog) rounds away anyway.
 */
export type AttributeValue =
  | string
  | number
  | boolean
  | Uint8Array
  | readonly AttributeValue[]
  | { readonly [key: string]: AttributeValue };

export type Attributes = Record<string, AttributeValue>;

export interface Resource {
  attributes: Attributes;
  droppedAttributesCount?: number;
}

export interface InstrumentationScope {
  name: string;
  version: string;
  attributes: Attributes;
}

export type Signal = 'metrics' | 'traces' | 'logs';

export const SIGNALS: readonly Signal[] = ['metrics', 'traces', 'logs'];

export function isSignal(value: string): value is Signal {
  return (SIGNALS as readonly string[]).includes(value);
}
