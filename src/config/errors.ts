import { z } from 'zod';
import { ConfigFault } from '../component/component.ts';
import type { Located } from './load.ts';

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

/** Whether `issue` is at `path` of `file`, or under it. */
export function issueWithin(issue: ConfigIssue, file: string, path: readonly (string | number)[]): boolean {
  return issue.file === file && path.every((key, n) => issue.path[n] === key);
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

/**
 * A ConfigFault (a setting that cannot work at run time, e.g. a port in use) thrown by what `located`
 * configures, as a ConfigError at its place in the file; any other error as it is.
 */
export function locateFault(error: unknown, located: Located): Error {
  if (error instanceof ConfigFault) return new ConfigError([located.source.issue([...located.path, ...error.path], error.message)]);
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Reports, from inside a component's config schema, issues located in another file its settings name
 * (a price table, a rules file): `switchyard validate` shows them at their own file and line. `path`
 * is where in the component's settings the file is named, for the message of a parse outside `validate`.
 */
export function addFileIssues(ctx: z.RefinementCtx, path: (string | number)[], issues: ConfigIssue[]): void {
  for (const issue of issues) ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: formatIssue(issue), params: { located: issue } });
}

/** The issue addFileIssues attached to a zod issue, if it is one. */
export function fileIssueOf(issue: z.ZodIssue): ConfigIssue | undefined {
  return issue.code === z.ZodIssueCode.custom ? (issue.params?.located as ConfigIssue | undefined) : undefined;
}
