/** One mistake in the configuration, located in its file. */
export interface ConfigIssue {
  file: string;
  /** The YAML path, e.g. ['exporters', 'prometheus', 'endpoint']. */
  path: readonly (string | number)[];
  /** 1-based; 0 when the file itself is at fault (unreadable, not found). */
  line: number;
  column: number;
  message: string;
}

export function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  const path = issue.path.length > 0 ? ` ${formatPath(issue.path)}:` : '';
  return `${where}:${path} ${issue.message}`;
}

/** Every problem found in a configuration; refused as a whole. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`invalid configuration:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
