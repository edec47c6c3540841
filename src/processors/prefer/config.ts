import { z } from 'zod';
import { duration } from '../../config/schema-helpers.ts';
import { metricNameMatchSchema } from '../match/metric-name-matcher.ts';

export const preferConfigSchema = z
  .object({
    /** The metrics a service sends when it has the better source, e.g. its HTTP duration histograms. */
    primary: metricNameMatchSchema,
    /** The stand-ins derived elsewhere, e.g. spanmetrics output: dropped for a service that sends the primary. */
    fallback: metricNameMatchSchema,
    /** What identifies a service across both sources (attributes both resources carry). */
    resource_attributes: z.array(z.string()).min(1).default(['service.name', 'service.namespace', 'deployment.environment.name', 'deployment.environment']),
    /** How long after its last primary metric a service still counts as sending it. */
    hold: duration('10m'),
  })
  .strict();

export type PreferConfig = z.infer<typeof preferConfigSchema>;
