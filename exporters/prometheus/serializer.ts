import type { Family, Series } from '../../src/translate/cumulative-state.ts';
import { formatLabelFloat } from '../../src/translate/prometheus-samples.ts';

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

/**
 * A series' labels as exposition text, open (`{a="x",b="y"`, or '' for none) so a bucket's `le` or a
 * quantile can follow; `le`/`quantile` themselves left out where the family's samples set them (as in
 * `forEachSample`). Made at the series' first scrape and kept on it: its labels never change.
 */
function openLabels(s: Series): string {
  if (s.labelText !== undefined) return s.labelText;
  const skip = s.histogram ? 'le' : s.summary ? 'quantile' : undefined;
  let out = '';
  for (const [k, v] of s.labels) {
    if (k === skip) continue;
    out += `${out === '' ? '{' : ','}${k}="${escapeLabel(v)}"`;
  }
  s.labelText = out;
  return out;
}

/** Bounds and quantiles repeat across every series of a family: each formatted once. */
const LE_TEXT = new Map<number, string>();
function leText(v: number): string {
  let t = LE_TEXT.get(v);
  if (t === undefined) {
    t = formatLabelFloat(v);
    if (LE_TEXT.size < 10_000) LE_TEXT.set(v, t);
  }
  return t;
}

/**
 * Pure: families to the text exposition format 0.0.4 or OpenMetrics 1.0.0. In OpenMetrics a counter's
 * family is named without `_total` and its sample always with it (the format requires it, so even with
 * `add_metric_suffixes: false`, as client_golang writes it), and the output ends with `# EOF`.
 * The samples are those of `forEachSample`, written straight into one string: no label arrays per sample.
 */
export function serialize(families: Iterable<Family>, format: ExpositionFormat, withTimestamps = false): string {
  let out = '';
  const om = format === 'openmetrics';
  const sorted = [...families].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const f of sorted) {
    if (f.series.size === 0) continue;
    const familyName = om && f.type === 'counter' ? f.name.replace(/_total$/, '') : f.name;
    out += `# HELP ${familyName} ${escapeHelp(f.help)}\n# TYPE ${familyName} ${f.type}\n`;
    const sampleName = om && f.type === 'counter' ? `${familyName}_total` : f.name;
    for (const s of f.series.values()) {
      const ts = withTimestamps ? ` ${om ? formatNumber(s.timeUnixNano / 1e9) : Math.round(s.timeUnixNano / 1e6)}` : '';
      const labels = openLabels(s);
      const closed = labels === '' ? '' : `${labels}}`;
      if (s.histogram) {
        const h = s.histogram;
        const bucket = `${f.name}_bucket${labels === '' ? '{' : `${labels},`}le="`;
        let cumulative = 0;
        for (let i = 0; i < h.bounds.length; i++) {
          cumulative += h.counts[i]!;
          out += `${bucket}${leText(h.bounds[i]!)}"} ${formatNumber(cumulative)}${ts}\n`;
        }
        out += `${bucket}+Inf"} ${formatNumber(h.count)}${ts}\n${f.name}_sum${closed} ${formatNumber(h.sum)}${ts}\n${f.name}_count${closed} ${formatNumber(h.count)}${ts}\n`;
      } else if (s.summary) {
        const q = `${f.name}${labels === '' ? '{' : `${labels},`}quantile="`;
        for (const { quantile, value } of s.summary.quantiles) out += `${q}${leText(quantile)}"} ${formatNumber(value)}${ts}\n`;
        out += `${f.name}_sum${closed} ${formatNumber(s.summary.sum)}${ts}\n${f.name}_count${closed} ${formatNumber(s.summary.count)}${ts}\n`;
      } else {
        out += `${sampleName}${closed} ${formatNumber(s.value)}${ts}\n`;
      }
    }
  }
  if (om) out += '# EOF\n';
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
