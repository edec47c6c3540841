import type { Family, Series } from '../../src/translate/cumulative-state.ts';
import { forEachSample } from '../../src/translate/prometheus-samples.ts';

export type ExpositionFormat = 'text' | 'openmetrics';

export const CONTENT_TYPE: Record<ExpositionFormat, string> = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** Numbers as Prometheus writes them: `+Inf`, `-Inf`, `NaN`, else the shortest round-trip form. */
export function formatNumber(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return String(v);
}

const NEEDS_ESCAPE = /[\\\n"]/;
/** Most values need no escaping: one test instead of three replacements (a scrape is mostly label values). */
const escapeLabel = (v: string) => (NEEDS_ESCAPE.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : v);
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function labelText(labels: [string, string][]): string {
  if (labels.length === 0) return '';
  let out = `{${labels[0]![0]}="${escapeLabel(labels[0]![1])}"`;
  for (let i = 1; i < labels.length; i++) out += `,${labels[i]![0]}="${escapeLabel(labels[i]![1])}"`;
  return `${out}}`;
}

/**
 * Pure: families to the text exposition format 0.0.4 or OpenMetrics 1.0.0. In OpenMetrics a counter's
 * family is named without `_total` and its sample always with it (the format requires it, so even with
 * `add_metric_suffixes: false`, as client_golang writes it), and the output ends with `# EOF`.
 */
export function serialize(families: Iterable<Family>, format: ExpositionFormat, withTimestamps = false): string {
  const parts: string[] = [];
  const om = format === 'openmetrics';
  const sorted = [...families].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const f of sorted) {
    if (f.series.size === 0) continue;
    const familyName = om && f.type === 'counter' ? f.name.replace(/_total$/, '') : f.name;
    parts.push(`# HELP ${familyName} ${escapeHelp(f.help)}\n# TYPE ${familyName} ${f.type}\n`);
    const counterSample = om && f.type === 'counter' ? `${familyName}_total` : undefined;
    for (const s of f.series.values()) parts.push(samples(f, s, om, withTimestamps, counterSample));
  }
  if (om) parts.push('# EOF\n');
  return parts.join('');
}

function samples(f: Family, s: Series, om: boolean, withTimestamps: boolean, counterSample: string | undefined): string {
  const ts = withTimestamps ? ` ${om ? formatNumber(s.timeUnixNano / 1e9) : Math.round(s.timeUnixNano / 1e6)}` : '';
  // A counter or gauge is one sample: written directly, without the visitor's closure.
  if (!s.histogram && !s.summary) return `${counterSample ?? f.name}${labelText(s.labels)} ${formatNumber(s.value)}${ts}\n`;
  let out = '';
  forEachSample(f, s, (name, labels, value) => {
    out += `${counterSample ?? name}${labelText(labels)} ${formatNumber(value)}${ts}\n`;
  });
  return out;
}

/** OpenMetrics when the scraper asks for it (Prometheus 2.42 does, preferring it), else text 0.0.4. */
export function negotiate(accept: string | undefined, openMetricsEnabled: boolean): ExpositionFormat {
  return openMetricsEnabled && (accept ?? '').includes('application/openmetrics-text') ? 'openmetrics' : 'text';
}

/** Whether `Accept-Encoding` allows gzip: listed (or `*`) with a quality above 0 (`gzip;q=0` refuses it). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  let gzip: number | undefined;
  let any: number | undefined;
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [coding = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const quality = q ? Number(q.slice(2)) : 1;
    if (coding === 'gzip' || coding === 'x-gzip') gzip = quality;
    else if (coding === '*') any = quality;
  }
  return (gzip ?? any ?? 0) > 0;
}
