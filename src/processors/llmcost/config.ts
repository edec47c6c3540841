import { z } from 'zod';
import { addFileIssues } from '../../config/errors.ts';
import { duration } from '../../config/schema-helpers.ts';
import { loadPriceTable, type PriceTable } from './pricing.ts';

export const llmcostConfigSchema = z
  .object({
    /**
     * The price table (YAML; relative paths from the gateway's working directory). Read when the config
     * is loaded (at start, on `validate` and on every reload): its mistakes are reported at their line.
     */
    pricing_file: z.string().min(1).default('pricing/llm.yaml'),
    /** The token usage histogram (the GenAI semantic conventions' name). */
    metric: z.string().min(1).default('gen_ai.client.token.usage'),
    /** More labels of the cost series, from the point's attributes or else the resource's: `[feature]`. */
    dimensions: z.array(z.string().min(1)).default([]),
    /**
     * A cumulative series seen for the first time: `auto` counts its value in full if it started after
     * this processor did (else it is a baseline: the gateway restarted and counted it before), `keep`
     * always counts it, `drop` never (as the Collector's cumulativetodelta processor).
     */
    initial_value: z.enum(['auto', 'keep', 'drop']).default('auto'),
    /** Bound on the input series held; new ones beyond it are left out and counted. */
    max_tracked_series: z.number().int().positive().default(100_000),
    /** An input series not seen for this long is forgotten. */
    series_expiration: duration('1h'),
  })
  .strict()
  .default({})
  .transform((c, ctx) => {
    const { table, issues } = loadPriceTable(c.pricing_file);
    addFileIssues(ctx, ['pricing_file'], issues);
    return { ...c, prices: table as PriceTable };
  });

export type LlmcostConfig = z.infer<typeof llmcostConfigSchema>;
