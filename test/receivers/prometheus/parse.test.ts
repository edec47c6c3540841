import { describe, expect, it } from 'vitest';
import { ExpositionError, formatOf, parseExposition } from '../../../receivers/prometheus/parse.ts';

const TEXT = `# HELP starlette_requests_total Total HTTP requests
# TYPE starlette_requests_total counter
starlette_requests_total{env="dev",method="POST",route="/api/prompt-templates",service="prompter-api",status="201"} 5.0
starlette_requests_total{env="dev",method="GET",route="/a\\"b\\\\c\\nd",service="prompter-api",status="200",} 7 1700000000000

# A comment that is not HELP or TYPE.
# TYPE lat_seconds histogram
lat_seconds_bucket{le="0.1"} 1
lat_seconds_bucket{le="+Inf"} 3
lat_seconds_sum 0.9
lat_seconds_count 3
# TYPE q summary
q{quantile="0.5"} NaN
q_sum +Inf
q_count 0
loose_metric -Inf
`;

describe('exposition parser', () => {
  it('reads the 0.0.4 text format: families, escaped label values, trailing commas, timestamps, special values', () => {
    const fams = parseExposition(TEXT, 'text');
    expect(fams.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['starlette_requests_total', 'counter', 2],
      ['lat_seconds', 'histogram', 4],
      ['q', 'summary', 3],
      ['loose_metric', 'unknown', 1],
    ]);
    expect(fams[0]!.help).toBe('Total HTTP requests');
    expect(fams[0]!.samples[1]).toEqual({ name: 'starlette_requests_total', labels: { env: 'dev', method: 'GET', route: '/a"b\\c\nd', service: 'prompter-api', status: '200' }, value: 7, timestampMs: 1700000000000 });
    expect(fams[1]!.samples[1]!.labels).toEqual({ le: '+Inf' });
    expect(fams[2]!.samples[1]!.value).toBe(Infinity);
    expect(fams[2]!.samples[0]!.value).toBeNaN();
    expect(fams[3]!.samples[0]!.value).toBe(-Infinity);
  });

  it('reads OpenMetrics: _total and _created samples in a counter family, UNIT, exemplars, timestamps in seconds, # EOF', () => {
    const om = `# TYPE foo counter
# UNIT foo seconds
# HELP foo Foo.
foo_total{a="1"} 17 1700000000.5 # {trace_id="abc"} 1 1700000000.4
foo_created{a="1"} 1699990000
# TYPE bar gaugehistogram
bar_bucket{le="+Inf"} 2
bar_gcount 2
# EOF
`;
    const [foo, bar] = parseExposition(om, 'openmetrics');
    expect(foo).toMatchObject({ name: 'foo', type: 'counter', unit: 'seconds', help: 'Foo.' });
    expect(foo!.samples).toEqual([
      { name: 'foo_total', labels: { a: '1' }, value: 17, timestampMs: 1700000000500 },
      { name: 'foo_created', labels: { a: '1' }, value: 1699990000 },
    ]);
    expect(bar!.samples.map((s) => s.name)).toEqual(['bar_bucket', 'bar_gcount']);
  });

  it('refuses an OpenMetrics page without # EOF, and content after it', () => {
    expect(() => parseExposition('foo 1\n', 'openmetrics')).toThrow(/# EOF/);
    expect(() => parseExposition('# EOF\nfoo 1\n', 'openmetrics')).toThrow(/after "# EOF"/);
  });

  it('fails the whole page on a syntax error, naming the line', () => {
    const bad = 'ok 1\nbroken{a="1" 2\n';
    expect(() => parseExposition(bad, 'text')).toThrow(ExpositionError);
    expect(() => parseExposition(bad, 'text')).toThrow(/^line 2: /);
    expect(() => parseExposition('x abc\n', 'text')).toThrow(/"abc" is not a number/);
    expect(() => parseExposition('x{a="1",a="2"} 1\n', 'text')).toThrow(/twice/);
    expect(() => parseExposition('# TYPE x bogus\n', 'text')).toThrow(/unknown metric type/);
  });

  it('reads NaN and infinities in any case, as Prometheus does (prom-client writes "Nan")', () => {
    const [a, b, c] = parseExposition('a Nan\nb -infinity\nc +INF\n', 'text');
    expect(a!.samples[0]!.value).toBeNaN();
    expect(b!.samples[0]!.value).toBe(-Infinity);
    expect(c!.samples[0]!.value).toBe(Infinity);
  });

  it('takes the format from the Content-Type', () => {
    expect(formatOf('application/openmetrics-text; version=1.0.0; charset=utf-8')).toBe('openmetrics');
    expect(formatOf('text/plain; version=0.0.4; charset=utf-8')).toBe('text');
    expect(formatOf(undefined)).toBe('text');
  });
});
