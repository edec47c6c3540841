import { z } from 'zod';
import type { SettingIssue } from '../component/component.ts';
import type { Signal } from '../model/common.ts';
import { DEFAULT_ROUTING_KEY, ROUTING_KEY_KINDS, routingKeyProblem, type RoutingKeyKind, type RoutingRule } from '../routing/index.ts';

/** The routing settings the routing exporters (`loadbalancing`, `nats`) share, with the Collector's names. */
export const routingConfigSchema = {
  /**
   * What an item is routed by (src/routing). Unset: each signal's default, `streamID` for metrics (one
   * series, one target) and `traceID` for traces and logs (one trace, one target), as the Collector.
   */
  routing_key: z.enum(ROUTING_KEY_KINDS as [RoutingKeyKind, ...RoutingKeyKind[]]).optional(),
  /** With `routing_key: attributes`: the attributes whose values route an item (resource, then scope, then the item's own). */
  routing_attributes: z.array(z.string().min(1)).min(1).optional(),
};

export interface RoutingConfig {
  routing_key?: RoutingKeyKind | undefined;
  routing_attributes?: string[] | undefined;
}

/** `routing_attributes` goes with `routing_key: attributes`, and only with it. */
export function checkRoutingAttributes(c: RoutingConfig, ctx: z.RefinementCtx): void {
  if (c.routing_key === 'attributes' && !c.routing_attributes) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['routing_attributes'], message: 'routing_key "attributes" needs routing_attributes: the list of attributes to route by' });
  if (c.routing_key !== 'attributes' && c.routing_attributes) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['routing_attributes'], message: `routing_attributes is only read with routing_key: attributes (routing_key is ${c.routing_key ?? 'unset'})` });
}

/** The rule an exporter routes `signal` by: its configured key, or the signal's default. */
export function routingRuleOf(c: RoutingConfig, signal: Signal): RoutingRule {
  return { kind: c.routing_key ?? DEFAULT_ROUTING_KEY[signal], attributes: c.routing_attributes ?? [] };
}

/** The routing exporters' `checkSignal`: a configured `routing_key` that cannot route `signal`, at its place. */
export function routingKeyIssues(config: RoutingConfig, signal: Signal): SettingIssue[] {
  const problem = routingKeyProblem(config.routing_key, signal);
  return problem ? [{ path: ['routing_key'], message: problem }] : [];
}
