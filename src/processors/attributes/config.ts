import { z } from 'zod';
import { checkRegex } from '../../config/schema-helpers.ts';
import { metricNameMatchSchema } from '../match/metric-name-matcher.ts';

const actionSchema = z
  .object({
    /** The label acted on (or `pattern` for delete and hash). */
    key: z.string().min(1).optional(),
    pattern: z.string().optional(),
    action: z.enum(['insert', 'update', 'upsert', 'delete', 'hash']),
    value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    from_attribute: z.string().min(1).optional(),
    /**
     * Resource attributes to copy from, the first present wins: `[deployment.environment.name, deployment.environment]`;
     * one name may be written alone (`from_resource: service.name`).
     */
    from_resource: z.union([z.string().min(1).transform((name) => [name]), z.array(z.string().min(1)).min(1)]).optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const sources = ['value', 'from_attribute', 'from_resource'].filter((k) => a[k as keyof typeof a] !== undefined);
    if (a.action === 'delete' || a.action === 'hash') {
      if ((a.key === undefined) === (a.pattern === undefined)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${a.action} needs exactly one of "key" and "pattern"` });
      if (sources.length > 0) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [sources[0]!], message: `${a.action} takes no ${sources[0]}` });
      if (a.pattern !== undefined) checkRegex(ctx, a.pattern, ['pattern']);
      return;
    }
    if (a.key === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['key'], message: `${a.action} needs "key"` });
    if (a.pattern !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['pattern'], message: `${a.action} takes "key", not "pattern"` });
    if (sources.length !== 1) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${a.action} needs exactly one of "value", "from_attribute" and "from_resource"` });
  });

export const attributesConfigSchema = z
  .object({
    include: metricNameMatchSchema.optional(),
    exclude: metricNameMatchSchema.optional(),
    actions: z.array(actionSchema).min(1),
  })
  .strict();

export type AttributesConfig = z.infer<typeof attributesConfigSchema>;
export type AttributeAction = AttributesConfig['actions'][number];
