import { z } from 'zod';
import { checkRegex, duration } from '../../src/config/schema-helpers.ts';
import { CPU_METRICS } from './scrapers/cpu.ts';
import { DISK_METRICS } from './scrapers/disk.ts';
import { FILESYSTEM_METRICS } from './scrapers/filesystem.ts';
import { LOAD_METRICS } from './scrapers/load.ts';
import { MEMORY_METRICS } from './scrapers/memory.ts';
import type { MetricInfo } from './scrapers/metric.ts';
import { NETWORK_METRICS } from './scrapers/network.ts';
import { PROCESSES_METRICS } from './scrapers/processes.ts';

/** `metrics: { system.memory.limit: { enabled: true } }`: turns a scraper's metrics on or off, by name. */
function metricsSchema(known: Readonly<Record<string, MetricInfo>>) {
  return z
    .record(z.object({ enabled: z.boolean() }).strict())
    .default({})
    .superRefine((m, ctx) => {
      for (const name of Object.keys(m)) {
        if (!(name in known)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [name], message: `unknown metric "${name}"; this scraper emits ${Object.keys(known).join(', ')}` });
      }
    });
}

/** `{ <key>: [...], match_type: strict | regexp }`, as the Collector's include/exclude blocks; parsed into a test. */
function matchList(key: string) {
  return z
    .object({ [key]: z.array(z.string()).min(1), match_type: z.enum(['strict', 'regexp']).default('strict') })
    .strict()
    .superRefine((m, ctx) => {
      if (m.match_type === 'regexp') (m[key] as string[]).forEach((p, i) => checkRegex(ctx, p, [key, i]));
    })
    .transform((m): ((value: string) => boolean) => {
      const values = m[key] as string[];
      if (m.match_type === 'strict') return (v) => values.includes(v);
      const res = values.map((p) => new RegExp(p));
      return (v) => res.some((re) => re.test(v));
    })
    .optional();
}

/** A value kept by an include (when given) and not taken by an exclude. */
export function kept(include: ((v: string) => boolean) | undefined, exclude: ((v: string) => boolean) | undefined): (v: string) => boolean {
  return (v) => (!include || include(v)) && !(exclude && exclude(v));
}

/** As in the Collector, a scraper is on when its key is present, even empty (`cpu:` or `cpu: {}`). */
function scraper<T extends z.ZodRawShape>(shape: T, metrics: Readonly<Record<string, MetricInfo>>) {
  const s = z.object({ ...shape, metrics: metricsSchema(metrics) }).strict();
  return s
    .nullable()
    .optional()
    .transform((v) => (v === null ? s.parse({}) : v));
}

export const hostmetricsReceiverConfigSchema = z
  .object({
    /** How often every scraper collects. */
    collection_interval: duration('1m'),
    /** The first collection waits this long after start. */
    initial_delay: duration('1s'),
    /** Where the host's root is mounted when the gateway runs in a container (`/hostfs`): `/proc` is read under it, mount points are statfs'd under it. */
    root_path: z.string().default('').transform((p) => p.replace(/\/+$/, '')),
    scrapers: z
      .object({
        cpu: scraper({}, CPU_METRICS),
        memory: scraper({}, MEMORY_METRICS),
        /** cpu_average: the load averages divided by the number of logical CPUs. */
        load: scraper({ cpu_average: z.boolean().default(false) }, LOAD_METRICS),
        filesystem: scraper(
          {
            /** Also report virtual filesystems (the types /proc/filesystems marks nodev: tmpfs, overlay, proc…). */
            include_virtual_filesystems: z.boolean().default(false),
            include_devices: matchList('devices'),
            exclude_devices: matchList('devices'),
            include_fs_types: matchList('fs_types'),
            exclude_fs_types: matchList('fs_types'),
            include_mount_points: matchList('mount_points'),
            exclude_mount_points: matchList('mount_points'),
          },
          FILESYSTEM_METRICS,
        ),
        disk: scraper({ include: matchList('devices'), exclude: matchList('devices') }, DISK_METRICS),
        network: scraper({ include: matchList('interfaces'), exclude: matchList('interfaces') }, NETWORK_METRICS),
        processes: scraper({}, PROCESSES_METRICS),
      })
      .strict()
      .refine((s) => Object.values(s).some((v) => v !== undefined), 'enable at least one scraper: cpu, memory, load, filesystem, disk, network or processes'),
  })
  .strict()
  .refine((c) => c.collection_interval > 0, { path: ['collection_interval'], message: 'collection_interval must be above 0' });

export type HostmetricsReceiverConfig = z.infer<typeof hostmetricsReceiverConfigSchema>;
export type ScraperName = keyof HostmetricsReceiverConfig['scrapers'];

/** Every scraper's metrics, by scraper name: their defaults and descriptions. */
export const SCRAPER_METRICS: Readonly<Record<ScraperName, Readonly<Record<string, MetricInfo>>>> = {
  cpu: CPU_METRICS,
  memory: MEMORY_METRICS,
  load: LOAD_METRICS,
  filesystem: FILESYSTEM_METRICS,
  disk: DISK_METRICS,
  network: NETWORK_METRICS,
  processes: PROCESSES_METRICS,
};
