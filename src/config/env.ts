/**
 * `${env:NAME}` and `${env:NAME:-default}` expansion, done on the file's text before YAML parsing (as
 * the Collector does). `$$` stands for a literal `$`. Values with no newline keep every line number.
 */
export interface MissingVariable {
  name: string;
  line: number;
  column: number;
}

const REFERENCE = /\$\$|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function expandEnv(text: string, env: NodeJS.ProcessEnv): { text: string; missing: MissingVariable[] } {
  const missing: MissingVariable[] = [];
  const expanded = text.replace(REFERENCE, (match: string, name: string | undefined, fallback: string | undefined, offset: number) => {
    if (match === '$$') return '$';
    const value = env[name!];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    if (value === '') return '';
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    missing.push({ name: name!, line, column: offset - before.lastIndexOf('\n') });
    return '';
  });
  return { text: expanded, missing };
}
