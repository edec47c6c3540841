import { z } from 'zod';
import type { ConnectorFactory, ExporterFactory, Factory, ProcessorFactory, ReceiverFactory } from '../component/component.ts';
import { processorSignals } from '../component/component.ts';
import { ComponentId } from '../component/id.ts';
import type { FactoryRegistry } from '../component/registry.ts';
import { isSignal, type Signal } from '../model/common.ts';
import { ConfigError, fileIssueOf, issueWithin, type ConfigIssue } from './errors.ts';
import type { ComponentSection, Located, RawConfig } from './load.ts';
import { boundEndpoints, portsUsedTwice } from './endpoints.ts';
import { endpoint } from './schema-helpers.ts';
import { listenerSecurity, type ListenerAuthConfig, type ListenerTlsConfig } from './listener-security.ts';
import { telemetrySchema, type TelemetryConfig } from './telemetry.ts';

export interface ComponentConfig<F extends Factory = Factory> {
  /** The ID as written, `type[/name]`. */
  key: string;
  id: ComponentId;
  factory: F;
  /** The factory's schema output: defaults filled in, frozen. */
  config: unknown;
  located: Located;
}

export interface PipelineConfig {
  key: string;
  signal: Signal;
  receivers: readonly string[];
  processors: readonly string[];
  exporters: readonly string[];
  located: Located;
}

export interface GatewayConfig {
  files: readonly string[];
  receivers: ReadonlyMap<string, ComponentConfig<ReceiverFactory>>;
  processors: ReadonlyMap<string, ComponentConfig<ProcessorFactory>>;
  exporters: ReadonlyMap<string, ComponentConfig<ExporterFactory>>;
  connectors: ReadonlyMap<string, ComponentConfig<ConnectorFactory>>;
  pipelines: readonly PipelineConfig[];
  /** `located` is `service.admin` of the main file, written or not. */
  admin: AdminConfig;
  telemetry: ServiceTelemetry;
}

/** `service.admin`: where the admin server listens, and its own auth and TLS. */
export interface AdminConfig {
  endpoint: string;
  auth?: ListenerAuthConfig;
  tls?: ListenerTlsConfig;
  located: Located;
}

/** `service.telemetry`, defaults filled in; `located` is where the main file has (or would have) it. */
export interface ServiceTelemetry {
  config: TelemetryConfig;
  located: Located;
}

const pipelineSchema = z
  .object({
    receivers: z.array(z.string()).min(1, 'a pipeline needs at least one receiver'),
    processors: z.array(z.string()).default([]),
    exporters: z.array(z.string()).min(1, 'a pipeline needs at least one exporter'),
  })
  .strict();

const adminSchema = z.object({ endpoint: endpoint('127.0.0.1:13133'), ...listenerSecurity }).strict();

/** Turns zod's issues into located ones; an unknown key is reported on the key itself, an issue in a file the settings name at its own place. */
export function zodIssues(error: z.ZodError, located: Located): ConfigIssue[] {
  return error.issues.flatMap((issue) => {
    const inFile = fileIssueOf(issue);
    if (inFile) return [inFile];
    const base = [...located.path, ...issue.path];
    if (issue.code === z.ZodIssueCode.unrecognized_keys) {
      return issue.keys.map((key) => located.source.issue([...base, key], `unknown key "${key}"`));
    }
    return [located.source.issue(base, issue.message)];
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A component whose type is known, whether or not its settings pass the schema. */
interface Typed<F extends Factory> {
  key: string;
  factory: F;
  located: Located;
}

interface TypedComponents {
  receivers: Map<string, Typed<ReceiverFactory>>;
  processors: Map<string, Typed<ProcessorFactory>>;
  exporters: Map<string, Typed<ExporterFactory>>;
  connectors: Map<string, Typed<ConnectorFactory>>;
}

/** Checks every component against its factory's schema and the pipelines against the components; throws ConfigError with every issue. */
export function resolveConfig(raw: RawConfig, registry: FactoryRegistry): GatewayConfig {
  const { config, issues } = checkConfig(raw, registry);
  if (!config || issues.length > 0) throw new ConfigError(issues);
  return config;
}

/**
 * Every issue of the config, and the config made of what passed (for `validate` to go on checking
 * ports). A component whose settings fail its schema still takes part in the pipeline checks, so one
 * mistake never hides another. No config when a file could not be read or parsed.
 */
export function checkConfig(raw: RawConfig, registry: FactoryRegistry): { config: GatewayConfig | undefined; issues: ConfigIssue[] } {
  if (raw.partial || !raw.admin || !raw.telemetry) return { config: undefined, issues: raw.issues };
  const issues: ConfigIssue[] = [];

  function components<F extends Factory>(section: ComponentSection, lookup: (type: string) => F | undefined, kind: string) {
    const valid = new Map<string, ComponentConfig<F>>();
    const typed = new Map<string, Typed<F>>();
    for (const [key, located] of raw.components[section]) {
      let id: ComponentId;
      try {
        id = ComponentId.parse(key);
      } catch (error) {
        issues.push(located.source.issue(located.path, (error as Error).message));
        continue;
      }
      const factory = lookup(id.type);
      if (!factory) {
        const known = registry.types(section.slice(0, -1) as Factory['kind']).join(', ') || 'none';
        issues.push(located.source.issue(located.path, `unknown ${kind} type "${id.type}"; known types: ${known}`));
        continue;
      }
      typed.set(key, { key, factory, located });
      const parsed = factory.configSchema.safeParse(located.value ?? undefined);
      if (!parsed.success) {
        issues.push(...zodIssues(parsed.error, located));
        continue;
      }
      valid.set(key, { key, id, factory, config: deepFreeze(parsed.data), located });
    }
    return { valid, typed };
  }

  const receivers = components('receivers', (t) => registry.receiver(t), 'receiver');
  const processors = components('processors', (t) => registry.processor(t), 'processor');
  const exporters = components('exporters', (t) => registry.exporter(t), 'exporter');
  const connectors = components('connectors', (t) => registry.connector(t), 'connector');
  const typed: TypedComponents = { receivers: receivers.typed, processors: processors.typed, exporters: exporters.typed, connectors: connectors.typed };
  const known = { receivers: raw.components.receivers, processors: raw.components.processors, exporters: raw.components.exporters, connectors: raw.components.connectors };

  const pipelines: PipelineConfig[] = [];
  for (const [key, located] of raw.pipelines) {
    const type = key.split('/')[0]!;
    if (!isSignal(type)) {
      issues.push(located.source.issue(located.path, `pipeline "${key}" must be named metrics[/name], traces[/name] or logs[/name]`));
      continue;
    }
    const parsed = pipelineSchema.safeParse(located.value ?? {});
    if (!parsed.success) {
      issues.push(...zodIssues(parsed.error, located));
      continue;
    }
    const p: PipelineConfig = { key, signal: type, ...parsed.data, located };
    checkReferences(p, known, issues);
    checkSignals(p, typed, issues);
    pipelines.push(p);
  }
  if (raw.pipelines.size === 0) {
    issues.push({ file: raw.files[0] ?? '', path: ['service', 'pipelines'], line: 0, column: 0, message: 'no pipeline is defined under service.pipelines' });
  }
  checkConnectorsUsedBothWays(typed.connectors, pipelines, issues);
  checkExporterSignals(exporters.valid, pipelines, issues);

  let admin: AdminConfig = { endpoint: '127.0.0.1:13133', located: raw.admin };
  const parsedAdmin = adminSchema.safeParse(raw.admin.value ?? {});
  if (parsedAdmin.success) admin = { ...parsedAdmin.data, located: raw.admin };
  else issues.push(...zodIssues(parsedAdmin.error, raw.admin));

  const telemetry: ServiceTelemetry = { config: telemetrySchema.parse(undefined), located: raw.telemetry };
  const parsedTelemetry = telemetrySchema.safeParse(raw.telemetry.value ?? undefined);
  if (parsedTelemetry.success) telemetry.config = deepFreeze(parsedTelemetry.data);
  else issues.push(...zodIssues(parsedTelemetry.error, raw.telemetry));

  const config: GatewayConfig = Object.freeze({ files: raw.files, receivers: receivers.valid, processors: processors.valid, exporters: exporters.valid, connectors: connectors.valid, pipelines, admin, telemetry });
  issues.push(...portsUsedTwice(boundEndpoints(config, issues)));
  return { config, issues: [...raw.issues, ...issues.filter((i) => !echoesMissingVariable(i, raw))] };
}

/** An issue at (or under) a value a missing variable left empty: the missing variable is the news. */
function echoesMissingVariable(issue: ConfigIssue, raw: RawConfig): boolean {
  return raw.unresolved.some((u) => u.path.length > 0 && issueWithin(issue, u.file, u.path));
}

function checkReferences(p: PipelineConfig, known: Record<ComponentSection, ReadonlyMap<string, Located>>, issues: ConfigIssue[]): void {
  const at = (list: string, index: number) => [...p.located.path, list, index];
  p.receivers.forEach((r, i) => {
    if (!known.receivers.has(r) && !known.connectors.has(r)) issues.push(p.located.source.issue(at('receivers', i), `receiver "${r}" is not defined under receivers or connectors`));
  });
  p.processors.forEach((r, i) => {
    if (!known.processors.has(r)) issues.push(p.located.source.issue(at('processors', i), `processor "${r}" is not defined under processors`));
  });
  p.exporters.forEach((r, i) => {
    if (!known.exporters.has(r) && !known.connectors.has(r)) issues.push(p.located.source.issue(at('exporters', i), `exporter "${r}" is not defined under exporters or connectors`));
  });
  for (const list of ['receivers', 'processors', 'exporters'] as const) {
    const seen = new Set<string>();
    p[list].forEach((r, i) => {
      if (seen.has(r)) issues.push(p.located.source.issue(at(list, i), `"${r}" is listed twice in ${list}`));
      seen.add(r);
    });
  }
}

function checkSignals(p: PipelineConfig, c: TypedComponents, issues: ConfigIssue[]): void {
  const mismatch = (list: string, i: number, what: string, supported: readonly string[]) =>
    issues.push(p.located.source.issue([...p.located.path, list, i], `${what} does not support ${p.signal} (it supports ${supported.join(', ') || 'no signal'}); it cannot be in pipeline "${p.key}"`));
  p.receivers.forEach((r, i) => {
    const rc = c.receivers.get(r);
    if (rc && !rc.factory.signals.includes(p.signal)) mismatch('receivers', i, `receiver "${r}"`, rc.factory.signals);
    const cc = c.connectors.get(r);
    if (cc && !cc.factory.pairs.some(([, to]) => to === p.signal)) mismatch('receivers', i, `connector "${r}" as a receiver`, cc.factory.pairs.map(([, to]) => to));
  });
  p.processors.forEach((r, i) => {
    const pc = c.processors.get(r);
    if (pc && !processorSignals(pc.factory).includes(p.signal)) mismatch('processors', i, `processor "${r}"`, processorSignals(pc.factory));
  });
  p.exporters.forEach((r, i) => {
    const ec = c.exporters.get(r);
    if (ec && !ec.factory.signals.includes(p.signal)) mismatch('exporters', i, `exporter "${r}"`, ec.factory.signals);
    const cc = c.connectors.get(r);
    if (cc && !cc.factory.pairs.some(([from]) => from === p.signal)) mismatch('exporters', i, `connector "${r}" as an exporter`, cc.factory.pairs.map(([from]) => from));
  });
}

/** The factories' own per-signal checks (checkSignal), once per exporter and signal, at the setting's place. */
function checkExporterSignals(exporters: ReadonlyMap<string, ComponentConfig<ExporterFactory>>, pipelines: PipelineConfig[], issues: ConfigIssue[]): void {
  for (const [key, e] of exporters) {
    if (!e.factory.checkSignal) continue;
    const signals = new Set(pipelines.filter((p) => p.exporters.includes(key)).map((p) => p.signal));
    for (const signal of signals) {
      for (const issue of e.factory.checkSignal(e.config, signal)) issues.push(e.located.source.issue([...e.located.path, ...issue.path], issue.message));
    }
  }
}

function checkConnectorsUsedBothWays(connectors: Map<string, Typed<ConnectorFactory>>, pipelines: PipelineConfig[], issues: ConfigIssue[]): void {
  for (const [key, c] of connectors) {
    const asExporter = pipelines.filter((p) => p.exporters.includes(key));
    const asReceiver = pipelines.filter((p) => p.receivers.includes(key));
    if (asExporter.length === 0 && asReceiver.length === 0) continue;
    if (asExporter.length === 0 || asReceiver.length === 0) {
      issues.push(c.located.source.issue(c.located.path, `connector "${key}" must be an exporter of one pipeline and a receiver of another`));
      continue;
    }
    for (const from of asExporter) {
      for (const to of asReceiver) {
        if (!c.factory.pairs.some(([f, t]) => f === from.signal && t === to.signal)) {
          issues.push(c.located.source.issue(c.located.path, `connector "${key}" cannot join ${from.signal} pipeline "${from.key}" to ${to.signal} pipeline "${to.key}"`));
        }
      }
    }
  }
}
