import { parseExposition } from './exposition.ts';

/** What the gateway produces: every metric name and the labels (tags) its series carry. */
export type Produced = Map<string, Set<string>>;

function add(produced: Produced, metric: string, labels: Iterable<string>): void {
  let set = produced.get(metric);
  if (!set) produced.set(metric, (set = new Set()));
  for (const l of labels) set.add(l);
}

// Prometheus adds these to every scraped series, and makes these series of its own per target.
const SCRAPE_LABELS = ['job', 'instance'];
const SCRAPE_SERIES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'];

/** From a scrape of the gateway's Prometheus endpoint, as Prometheus would store it (with `job` and `instance`). */
export function producedByScrape(exposition: string): Produced {
  const produced: Produced = new Map();
  for (const s of parseExposition(exposition)) add(produced, s.name, [...Object.keys(s.labels), ...SCRAPE_LABELS]);
  for (const name of SCRAPE_SERIES) add(produced, name, SCRAPE_LABELS);
  return produced;
}

interface CapturedSeries {
  metric?: unknown;
  tags?: unknown;
  host?: unknown;
  resources?: unknown;
}

/** The keys of DataDog tags (`key:value`; a tag without a colon is its own key). */
function tagKeys(tags: unknown): string[] {
  if (!Array.isArray(tags)) return [];
  return tags.filter((t): t is string => typeof t === 'string').map((t) => (t.includes(':') ? t.slice(0, t.indexOf(':')) : t));
}

/**
 * From a capture of what the gateway sent to DataDog: JSON documents, one per line or one whole file,
 * each a request body of the v2 series API (`{"series": [{metric, tags, resources}]}`), a decoded
 * sketches body (`{"sketches": [{metric, tags, host}]}`) or an array of such series.
 */
export function producedByDatadogCapture(text: string): Produced {
  let documents: unknown[];
  try {
    documents = [JSON.parse(text)];
  } catch {
    documents = text
      .split('\n')
      .map((line, i) => [line.trim(), i] as const)
      .filter(([line]) => line !== '')
      .map(([line, i]) => {
        try {
          return JSON.parse(line) as unknown;
        } catch (error) {
          throw new Error(`line ${i + 1} is not JSON: ${(error as Error).message}`);
        }
      });
  }
  const produced: Produced = new Map();
  const visit = (series: CapturedSeries) => {
    if (typeof series.metric !== 'string') return;
    const keys = tagKeys(series.tags);
    // DataDog turns the host (a field of sketches, a resource of series) into the `host` tag.
    const hasHost = (typeof series.host === 'string' && series.host !== '') || (Array.isArray(series.resources) && series.resources.some((r) => (r as { type?: unknown }).type === 'host'));
    add(produced, series.metric, hasHost ? [...keys, 'host'] : keys);
  };
  for (const doc of documents) {
    const list = Array.isArray(doc) ? doc : [...((doc as { series?: unknown[] }).series ?? []), ...((doc as { sketches?: unknown[] }).sketches ?? [])];
    for (const s of list) if (s && typeof s === 'object') visit(s as CapturedSeries);
  }
  return produced;
}
