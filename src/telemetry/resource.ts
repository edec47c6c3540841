import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { AttributeValue } from '@opentelemetry/api';
import { VERSION } from '../version.ts';

/**
 * The resource of the gateway's own telemetry, as the Collector's: `service.name`, `service.version`,
 * a random `service.instance.id` per process (`instanceId`, kept across reloads), and `host.name`; `service.telemetry.resource` adds
 * attributes or overrides these, and `null` removes one.
 */
export function gatewayResource(overrides: Readonly<Record<string, string | number | boolean | null>>, instanceId: string = randomUUID()): Resource {
  const attributes: Record<string, AttributeValue> = {
    'service.name': 'switchyard',
    'service.version': VERSION,
    'service.instance.id': instanceId,
    'host.name': hostname(),
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete attributes[key];
    else attributes[key] = value;
  }
  return resourceFromAttributes(attributes);
}
