export { fnv1a64, hashHex, hashMod, ringPosition } from './hash.ts';
export type { Hash64 } from './hash.ts';
export { attributesKey, attributesKeyOfScope, canonicalAttributes, DEFAULT_ROUTING_KEY, routingKey, routingKeyProblem, ROUTING_KEY_KINDS, ROUTING_KEYS_OF } from './key.ts';
export type { RoutingKeyKind, RoutingRule, SeriesIdentity } from './key.ts';
export { partitionOf } from './partition.ts';
export { DEFAULT_VIRTUAL_NODES, HashRing } from './ring.ts';
