import { describe, expect, it } from 'vitest';
import { prometheusReceiverConfigSchema } from '../../../receivers/prometheus/config.ts';
import { compileRelabels, relabel } from '../../../receivers/prometheus/relabel.ts';

function rules(configs: unknown[]) {
  const parsed = prometheusReceiverConfigSchema.parse({ config: { scrape_configs: [{ job_name: 'j', metric_relabel_configs: configs }] } });
  return compileRelabels(parsed.config.scrape_configs[0]!.metric_relabel_configs);
}

describe('metric_relabel_configs', () => {
  it('keep drops every sample whose joined source labels do not match the whole regex', () => {
    const r = rules([{ action: 'keep', source_labels: ['__name__'], regex: 'starlette_.*|prompter_.*' }]);
    expect(relabel({ __name__: 'starlette_requests_total' }, r)).toBe(true);
    expect(relabel({ __name__: 'process_cpu_seconds_total' }, r)).toBe(false);
    // Anchored: a match in the middle is not a match.
    expect(relabel({ __name__: 'x_starlette_requests_total' }, r)).toBe(false);
  });

  it('drop removes matching samples, source labels joined by the separator', () => {
    const r = rules([{ action: 'drop', source_labels: ['method', 'route'], separator: ' ', regex: 'GET /health' }]);
    expect(relabel({ method: 'GET', route: '/health' }, r)).toBe(false);
    expect(relabel({ method: 'POST', route: '/health' }, r)).toBe(true);
  });

  it('replace writes the target label from the groups ($1, ${name}), and an empty result removes it', () => {
    const r = rules([
      { source_labels: ['path'], regex: '(/api/[^/]+)/.*', target_label: 'route', replacement: '${1}/:id' },
      { source_labels: ['host'], regex: '(?P<h>[^:]+):\\d+', target_label: 'node', replacement: '$h' },
      { source_labels: ['nothing'], regex: '', target_label: 'path', replacement: '' },
    ]);
    const labels: Record<string, string> = { path: '/api/templates/42', host: 'web-1:8000' };
    expect(relabel(labels, r)).toBe(true);
    expect(labels).toEqual({ route: '/api/templates/:id', host: 'web-1:8000', node: 'web-1' });
  });

  it('leaves labels alone when a replace regex does not match', () => {
    const r = rules([{ source_labels: ['a'], regex: 'x', target_label: 'b', replacement: 'y' }]);
    const labels = { a: 'z' };
    relabel(labels, r);
    expect(labels).toEqual({ a: 'z' });
  });

  it('renames a metric through __name__', () => {
    const r = rules([{ source_labels: ['__name__'], regex: 'old_(.*)', target_label: '__name__', replacement: 'new_$1' }]);
    const labels: Record<string, string> = { __name__: 'old_requests_total' };
    relabel(labels, r);
    expect(labels.__name__).toBe('new_requests_total');
  });
});
