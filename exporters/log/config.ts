import { z } from 'zod';
import { byteSize } from '../../src/config/schema-helpers.ts';
import { sendingQueueSchema } from '../../src/exporterhelper/queue-config.ts';

export const logExporterConfigSchema = z
  .object({
    /** `stdout`, `stderr`, or a file path (JSON lines, appended). */
    path: z.string().min(1).default('stdout'),
    /** `basic`: name, value, attributes, time; `detailed`: also resource, scope, start time, buckets, span events. */
    verbosity: z.enum(['basic', 'detailed']).default('basic'),
    /** File mode: rotate before the file would pass this size. */
    max_file_size: byteSize(100 * 1024 * 1024),
    /** File mode: rotated files kept (`file.1` … `file.N`). */
    max_files: z.number().int().min(1).default(5),
    sending_queue: sendingQueueSchema,
  })
  .strict()
  .default({});

export type LogExporterConfig = z.infer<typeof logExporterConfigSchema>;
