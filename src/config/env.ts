import { isSecretVariable, registerSecret } from './secret-values.ts';

/**
 * `${env:NAME}` and `${env:NAME:-default}` expansion, done on the file's text before YAML parsing (as
 * the Collector does). `$$` stands for a literal `$`. Values with no newline keep every line number.
 */
export interface MissingVariable {
  name: string;
  /** Where the reference is written in the file (1-based). */
  line: number;
  column: number;
  /** Where the empty value stands in the expanded text, to find its YAML path once parsed. */
  expandedOffset: number;
}

const REFERENCE = /\$\$|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function expandEnv(text: string, env: NodeJS.ProcessEnv): { text: string; missing: MissingVariable[] } {
  const missing: MissingVariable[] = [];
  let shift = 0; // expanded length minus original length, so far
  const expanded = text.replace(REFERENCE, (match: string, name: string | undefined, fallback: string | undefined, offset: number) => {
    const value = expansion(match, name, fallback, env);
    if (name !== undefined && isSecretVariable(name)) registerSecret(value);
    if (value === undefined) {
      const before = text.slice(0, offset);
      missing.push({ name: name!, line: before.split('\n').length, column: offset - before.lastIndexOf('\n'), expandedOffset: offset + shift });
    }
    shift += (value ?? '').length - match.length;
    return value ?? '';
  });
  return { text: expanded, missing };
}

/** The text a reference stands for; undefined for a variable that is unset and has no default. */
function expansion(match: string, name: string | undefined, fallback: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (match === '$$') return '$';
  const value = env[name!];
  if (value !== undefined && value !== '') return value;
  if (fallback !== undefined) return fallback;
  return value;
}
