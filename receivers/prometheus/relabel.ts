import type { RelabelConfig } from './config.ts';

/**
 * Prometheus's `metric_relabel_configs` (`keep`, `drop`, `replace`) over one sample's labels, the
 * metric name as `__name__`. Regexes are RE2 as Prometheus writes them, anchored at both ends;
 * `(?P<name>…)` and a leading `(?i)` are translated to JavaScript's forms.
 */
export interface CompiledRelabel {
  readonly config: RelabelConfig;
  readonly regex: RegExp;
}

/** The JavaScript form of a Prometheus (RE2) regex, anchored; throws on one that does not compile. */
export function compileRegex(source: string): RegExp {
  let flags = '';
  let body = source;
  const inline = /^\(\?([imsU]+)\)/.exec(body);
  if (inline) {
    for (const f of inline[1]!) if (f === 'i' || f === 'm' || f === 's') flags += f;
    body = body.slice(inline[0].length);
  }
  body = body.replace(/\(\?P</g, '(?<');
  return new RegExp(`^(?:${body})$`, flags);
}

export function compileRelabels(configs: readonly RelabelConfig[]): CompiledRelabel[] {
  return configs.map((config) => ({ config, regex: compileRegex(config.regex) }));
}

/** Applies the rules in order; returns false when the sample is dropped. Changes `labels` in place. */
export function relabel(labels: Record<string, string>, rules: readonly CompiledRelabel[]): boolean {
  for (const { config, regex } of rules) {
    const value = config.source_labels.map((l) => labels[l] ?? '').join(config.separator);
    switch (config.action) {
      case 'keep':
        if (!regex.test(value)) return false;
        break;
      case 'drop':
        if (regex.test(value)) return false;
        break;
      case 'replace': {
        const m = regex.exec(value);
        if (!m) break;
        const target = expand(config.target_label!, m);
        if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(target)) break;
        const result = expand(config.replacement, m);
        if (result === '') delete labels[target];
        else labels[target] = result;
        break;
      }
    }
  }
  return true;
}

/**
 * Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}`, `$$`. As in Go, `$1x` names the group `1x`
 * (so it expands to nothing): write `${1}x`.
 */
export function expand(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(?:\$|\{([a-zA-Z0-9_]+)\}|([a-zA-Z0-9_]+))/g, (_whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare;
    if (name === undefined) return '$';
    if (/^\d+$/.test(name)) return m[Number(name)] ?? '';
    return m.groups?.[name] ?? '';
  });
}
