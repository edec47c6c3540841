import type { Factory } from './component/component.ts';
import { FactoryRegistry } from './component/registry.ts';

/** The components built into this distribution; the only module that names concrete components. */
export function builtinFactories(): Factory[] {
  return [];
}

export function builtinRegistry(): FactoryRegistry {
  return new FactoryRegistry(builtinFactories());
}
