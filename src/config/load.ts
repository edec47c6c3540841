import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ConfigIssue } from './errors.ts';
import { expandEnv } from './env.ts';
import { registerSecretsIn } from './secret-values.ts';
import { SourceFile } from './source.ts';

export const COMPONENT_SECTIONS = ['receivers', 'processors', 'exporters', 'connectors'] as const;
export type ComponentSection = (typeof COMPONENT_SECTIONS)[number];

/** A YAML value together with where it was written. */
export interface Located {
  value: unknown;
  source: SourceFile;
  path: readonly (string | number)[];
}

/** The main file and its included pipeline files merged, not yet checked against any schema. */
export interface RawConfig {
  files: string[];
  components: Record<ComponentSection, Map<string, Located>>;
  pipelines: Map<string, Located>;
  /** `service.admin` of the main file (its value undefined when not written); undefined only when the main file could not be read. */
  admin: Located | undefined;
  /** `service.telemetry` of the main file (its value undefined when not written); undefined only when the main file could not be read. */
  telemetry: Located | undefined;
  /** What is wrong already at this stage; resolveConfig reports it along with its own findings. */
  issues: ConfigIssue[];
  /** A file could not be read or parsed (or an include is missing): later checks would only echo that. */
  partial: boolean;
  /** Values left empty by a missing variable: their own schema errors would only echo that. */
  unresolved: { file: string; path: readonly (string | number)[] }[];
}

const TOP_LEVEL_KEYS = new Set<string>([...COMPONENT_SECTIONS, 'service']);
const SERVICE_KEYS = new Set(['pipelines', 'include', 'admin', 'telemetry']);
const INCLUDED_SERVICE_KEYS = new Set(['pipelines']);

/** The Collector's extensions (bearertokenauth, health_check, …) are built into Switchyard's listeners. */
const NO_EXTENSIONS =
  'Switchyard has no extensions: instead of bearertokenauth, write auth: { bearer_token: ${env:TOKEN} } (or bearer_token_file) under the listener, e.g. receivers.otlp.protocols.http.auth or service.admin.auth; health_check is the admin server (service.admin)';

/**
 * Reads the main file and every file its `service.include` names. Never throws: what is wrong is in
 * `issues`, for resolveConfig to report together with everything else it finds.
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): RawConfig {
  const raw: RawConfig = {
    files: [],
    components: { receivers: new Map(), processors: new Map(), exporters: new Map(), connectors: new Map() },
    pipelines: new Map(),
    admin: undefined,
    telemetry: undefined,
    issues: [],
    partial: false,
    unresolved: [],
  };
  const main = readSource(resolve(file), env, raw);
  if (main) {
    const root = mergeFile(raw, main, SERVICE_KEYS);
    raw.admin ??= { value: undefined, source: main, path: ['service', 'admin'] };
    raw.telemetry ??= { value: undefined, source: main, path: ['service', 'telemetry'] };
    for (const included of includedFiles(root, main, raw)) {
      const source = readSource(included, env, raw);
      if (source) mergeFile(raw, source, INCLUDED_SERVICE_KEYS);
    }
  }
  return raw;
}

function readSource(file: string, env: NodeJS.ProcessEnv, raw: RawConfig): SourceFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    raw.issues.push({ file, path: [], line: 0, column: 0, message: `cannot read the file: ${(error as Error).message}` });
    raw.partial = true;
    return undefined;
  }
  const expanded = expandEnv(text, env);
  const { source, issues: syntax } = SourceFile.parse(file, expanded.text);
  if (syntax.length === 0) registerSecretsIn(source.value());
  for (const m of expanded.missing) {
    const path = syntax.length > 0 ? [] : source.pathAt(m.expandedOffset);
    raw.issues.push({ file, path, line: m.line, column: m.column, message: `environment variable ${m.name} is not set and has no default (write \${env:${m.name}:-default})` });
    raw.unresolved.push({ file, path });
  }
  raw.issues.push(...syntax);
  if (syntax.length > 0) raw.partial = true;
  return syntax.length > 0 ? undefined : source;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeFile(raw: RawConfig, source: SourceFile, serviceKeys: Set<string>): Record<string, unknown> {
  const issues = raw.issues;
  raw.files.push(source.file);
  const root = source.value() ?? {};
  if (!isRecord(root)) {
    issues.push(source.issue([], 'the file must be a mapping of receivers, processors, exporters, connectors and service'));
    raw.partial = true;
    return {};
  }
  for (const key of Object.keys(root)) {
    if (key === 'extensions') issues.push(source.issue([key], NO_EXTENSIONS));
    else if (!TOP_LEVEL_KEYS.has(key)) issues.push(source.issue([key], `unknown key "${key}"; expected one of ${[...TOP_LEVEL_KEYS].join(', ')}`));
  }
  for (const section of COMPONENT_SECTIONS) {
    mergeSection(raw.components[section], root[section], [section], source, issues);
  }
  const service = root.service ?? {};
  if (!isRecord(service)) {
    issues.push(source.issue(['service'], 'expected a mapping'));
    return root;
  }
  for (const key of Object.keys(service)) {
    if (key === 'extensions') issues.push(source.issue(['service', key], NO_EXTENSIONS));
    else if (!serviceKeys.has(key)) issues.push(source.issue(['service', key], `unknown key "${key}" in service; expected one of ${[...serviceKeys].join(', ')}`));
  }
  mergeSection(raw.pipelines, service.pipelines, ['service', 'pipelines'], source, issues);
  if (service.admin !== undefined) raw.admin = { value: service.admin, source, path: ['service', 'admin'] };
  if (service.telemetry !== undefined) raw.telemetry = { value: service.telemetry, source, path: ['service', 'telemetry'] };
  return root;
}

function mergeSection(
  target: Map<string, Located>,
  value: unknown,
  path: readonly string[],
  source: SourceFile,
  issues: ConfigIssue[],
): void {
  if (value === undefined || value === null) return;
  if (!isRecord(value)) {
    issues.push(source.issue(path, 'expected a mapping of component IDs to their settings'));
    return;
  }
  for (const [id, settings] of Object.entries(value)) {
    const existing = target.get(id);
    if (existing) {
      issues.push(source.issue([...path, id], `"${id}" is defined twice: here and in ${existing.source.file}`));
      continue;
    }
    target.set(id, { value: settings, source, path: [...path, id] });
  }
}

/** `service.include` entries, relative to the main file; `*` and `?` are allowed in the file name. */
function includedFiles(root: Record<string, unknown>, main: SourceFile, raw: RawConfig): string[] {
  const issues = raw.issues;
  const service = isRecord(root.service) ? root.service : {};
  const include = service.include;
  if (include === undefined || include === null) return [];
  if (!Array.isArray(include) || include.some((p) => typeof p !== 'string')) {
    issues.push(main.issue(['service', 'include'], 'expected a list of file paths or patterns'));
    raw.partial = true;
    return [];
  }
  const files: string[] = [];
  include.forEach((pattern: string, index) => {
    const full = resolve(dirname(main.file), pattern);
    const matches = globFileName(full);
    if (matches === undefined) {
      issues.push(main.issue(['service', 'include', index], `cannot read the folder of "${pattern}"`));
      raw.partial = true;
    } else if (matches.length === 0 && !/[*?]/.test(pattern)) {
      issues.push(main.issue(['service', 'include', index], `"${pattern}" does not exist`));
      raw.partial = true;
    }
    files.push(...(matches ?? []));
  });
  return [...new Set(files)];
}

function globFileName(full: string): string[] | undefined {
  const dir = dirname(full);
  const name = basename(full);
  const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
  try {
    return readdirSync(dir)
      .filter((entry) => re.test(entry))
      .sort()
      .map((entry) => join(dir, entry));
  } catch {
    return undefined;
  }
}
