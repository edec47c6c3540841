import type { ConnectorFactory, ExporterFactory, Factory, ProcessorFactory, ReceiverFactory } from './component.ts';

/** Factories by kind and type; the engine resolves every component through this and nothing else. */
export class FactoryRegistry {
  private readonly receivers = new Map<string, ReceiverFactory>();
  private readonly processors = new Map<string, ProcessorFactory>();
  private readonly exporters = new Map<string, ExporterFactory>();
  private readonly connectors = new Map<string, ConnectorFactory>();

  constructor(factories: readonly Factory[]) {
    for (const f of factories) {
      const table = this.table(f.kind);
      if (table.has(f.type)) throw new Error(`two ${f.kind} factories for type "${f.type}"`);
      table.set(f.type, f);
    }
  }

  receiver(type: string): ReceiverFactory | undefined {
    return this.receivers.get(type);
  }
  processor(type: string): ProcessorFactory | undefined {
    return this.processors.get(type);
  }
  exporter(type: string): ExporterFactory | undefined {
    return this.exporters.get(type);
  }
  connector(type: string): ConnectorFactory | undefined {
    return this.connectors.get(type);
  }

  types(kind: Factory['kind']): string[] {
    return [...this.table(kind).keys()].sort();
  }

  all(): Factory[] {
    return [...this.receivers.values(), ...this.processors.values(), ...this.exporters.values(), ...this.connectors.values()];
  }

  private table(kind: Factory['kind']): Map<string, Factory> {
    return { receiver: this.receivers, processor: this.processors, exporter: this.exporters, connector: this.connectors }[kind];
  }
}
