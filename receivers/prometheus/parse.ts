/**
 * The Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 text, parsed into metric families.
 * Hand-written: the npm parsers we measured read 0.0.4 only (see README.md for the comparison). As
 * Prometheus does, a syntax error fails the whole page, naming its line.
 */

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown';

export interface ParsedSample {
  /** The sample's own name (`foo_bucket`, `foo_total`, …). */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the page gives one. */
  timestampMs?: number;
}

export interface ParsedFamily {
  name: string;
  type: FamilyType;
  help: string;
  /** OpenMetrics `# UNIT` (empty in 0.0.4). */
  unit: string;
  samples: ParsedSample[];
}

export type ExpositionFormat = 'text' | 'openmetrics';

export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionError';
  }
}

const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown', 'untyped']);

/** The sample-name suffixes each family type owns, besides the family name itself. */
const SUFFIXES: Record<FamilyType, readonly string[]> = {
  counter: ['_total', '_created'],
  gauge: [],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['_sum', '_count', '_created'],
  info: ['_info'],
  stateset: [],
  unknown: [],
};

/** Which format a response's Content-Type announces (anything but OpenMetrics is read as 0.0.4 text). */
export function formatOf(contentType: string | undefined): ExpositionFormat {
  return contentType !== undefined && /^\s*application\/openmetrics-text/i.test(contentType) ? 'openmetrics' : 'text';
}

export function parseExposition(text: string, format: ExpositionFormat): ParsedFamily[] {
  const families: ParsedFamily[] = [];
  let current: ParsedFamily | undefined;
  const om = format === 'openmetrics';
  let sawEof = false;
  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(pos, end - 1) : text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (sawEof) {
      if (line.trim() !== '') throw new ExpositionError(lineNo, 'content after "# EOF"');
      continue;
    }
    if (line.length === 0 || (!om && line.trim() === '')) {
      if (om) throw new ExpositionError(lineNo, 'empty line');
      continue;
    }
    if (line.charCodeAt(0) === 35 /* # */) {
      const meta = /^#\s+(HELP|TYPE|UNIT)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s(.*))?$/.exec(line);
      if (!meta) {
        if (om && line === '# EOF') sawEof = true;
        else if (om) throw new ExpositionError(lineNo, `unexpected comment "${line.slice(0, 60)}"`);
        continue;
      }
      const [, keyword, name, rest = ''] = meta;
      if (!current || current.name !== name || current.samples.length > 0) {
        current = { name: name!, type: 'unknown', help: '', unit: '', samples: [] };
        families.push(current);
      }
      if (keyword === 'HELP') current.help = unescapeHelp(rest, om);
      else if (keyword === 'UNIT') current.unit = rest.trim();
      else {
        const t = rest.trim();
        if (!TYPES.has(t) || (!om && !['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(t))) throw new ExpositionError(lineNo, `unknown metric type "${t}"`);
        current.type = t === 'untyped' ? 'unknown' : (t as FamilyType);
      }
      continue;
    }
    const sample = parseSample(line, lineNo, om);
    if (!current || !belongs(current, sample.name)) {
      current = { name: sample.name, type: 'unknown', help: '', unit: '', samples: [] };
      families.push(current);
    }
    current.samples.push(sample);
  }
  if (om && !sawEof) throw new ExpositionError(lineNo, 'an OpenMetrics page must end with "# EOF"');
  return families;
}

function belongs(f: ParsedFamily, sample: string): boolean {
  if (sample === f.name) return true;
  if (!sample.startsWith(f.name)) return false;
  const suffix = sample.slice(f.name.length);
  return SUFFIXES[f.type].includes(suffix);
}

function unescapeHelp(text: string, om: boolean): string {
  return text.replace(/\\(\\|n|")/g, (m, c: string) => (c === 'n' ? '\n' : c === '"' && !om ? m : c));
}

/** [a-zA-Z_] (and `:` in metric names), then digits too; by char code, as this runs for every character. */
function isNameChar(c: number, metric: boolean, first: boolean): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (metric && c === 58) || (!first && c >= 48 && c <= 57);
}

/** One sample line: `name{label="value",…} value [timestamp] [# exemplar]`. */
export function parseSample(line: string, lineNo: number, om: boolean): ParsedSample {
  let i = 0;
  const n = line.length;
  if (!isNameChar(line.charCodeAt(0), true, true)) throw new ExpositionError(lineNo, 'expected a metric name');
  while (i < n && isNameChar(line.charCodeAt(i), true, false)) i++;
  const name = line.slice(0, i);
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const start = i;
      if (!isNameChar(line.charCodeAt(i), false, true)) throw new ExpositionError(lineNo, `expected a label name at column ${i + 1}`);
      while (i < n && isNameChar(line.charCodeAt(i), false, false)) i++;
      const label = line.slice(start, i);
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] !== '=') throw new ExpositionError(lineNo, `expected "=" after label ${label}`);
      i++;
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] !== '"') throw new ExpositionError(lineNo, `expected a quoted value for label ${label}`);
      i++;
      let value = '';
      let chunk = i;
      for (;;) {
        if (i >= n) throw new ExpositionError(lineNo, `unterminated value of label ${label}`);
        const c = line.charCodeAt(i);
        if (c === 34 /* " */) break;
        if (c === 92 /* \ */) {
          value += line.slice(chunk, i);
          const e = line[i + 1];
          value += e === 'n' ? '\n' : e === '\\' ? '\\' : e === '"' ? '"' : `\\${e ?? ''}`;
          i += 2;
          chunk = i;
          continue;
        }
        i++;
      }
      value += line.slice(chunk, i);
      i++;
      if (label in labels) throw new ExpositionError(lineNo, `label ${label} given twice`);
      labels[label] = value;
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new ExpositionError(lineNo, `expected "," or "}" after label ${label}`);
    }
  }
  if (line[i] !== ' ' && line[i] !== '\t') throw new ExpositionError(lineNo, `expected a space before the value of ${name}`);
  // OpenMetrics exemplars (` # {…} v`) carry nothing the OTLP point keeps here.
  const hash = om ? line.indexOf(' # ', i) : -1;
  const tail = (hash >= 0 ? line.slice(i, hash) : line.slice(i)).trim().split(/[ \t]+/);
  if (tail.length < 1 || tail.length > 2 || tail[0] === '') throw new ExpositionError(lineNo, `expected a value and an optional timestamp after ${name}`);
  const value = parseValue(tail[0]!);
  if (value === undefined) throw new ExpositionError(lineNo, `"${tail[0]}" is not a number`);
  const sample: ParsedSample = { name, labels, value };
  if (tail[1] !== undefined) {
    const ts = Number(tail[1]);
    if (!Number.isFinite(ts) || (!om && !/^-?\d+$/.test(tail[1]))) throw new ExpositionError(lineNo, `"${tail[1]}" is not a timestamp`);
    sample.timestampMs = om ? ts * 1000 : ts;
  }
  return sample;
}

/** Go's ParseFloat, as Prometheus reads values: `NaN`, `Inf`, `+Inf`, `-Infinity` in any case (prom-client writes `Nan`). */
function parseValue(token: string): number | undefined {
  const v = Number(token);
  if (!Number.isNaN(v)) return token === '' ? undefined : v;
  const lower = token.toLowerCase();
  if (lower === 'nan') return NaN;
  const sign = lower.startsWith('-') ? -1 : 1;
  const word = lower.replace(/^[+-]/, '');
  return word === 'inf' || word === 'infinity' ? sign * Infinity : undefined;
}
