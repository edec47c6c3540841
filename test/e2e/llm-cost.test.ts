import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { Attributes } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FREE_PORTS_ENV } from '../helpers/free-ports-env.ts';
import { runCli, startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { eventually } from '../helpers/prometheus-server.ts';
import { find, parseExposition, valueOf, type Sample } from '../helpers/prom-text.ts';
import { tempFiles } from '../helpers/temp-files.ts';

/** Prices the test knows (USD per million tokens); claude-4-preview has none. */
const PRICES = {
  'openai gpt-4o': { input: 2.5, output: 10 },
  'anthropic claude-3-5-sonnet-20241022': { input: 3, output: 15 },
};
const PRICE_TABLE = `providers:
  openai:
    - { model: gpt-4o, input: 2.50, output: 10.00, since: "2024-10-02" }
  anthropic:
    - { pattern: "^claude-3-5-sonnet-(20240620|20241022)$", input: 3.00, output: 15.00, since: "2024-06-20" }
`;

/** A reader the test collects by hand, so it can export (and export again) exactly one collection. */
class ManualReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** A service recording LLM calls with the real SDK, as the GenAI instrumentations do, exporting with the SDK's OTLP/HTTP protobuf exporter. */
function llmApp() {
  const reader = new ManualReader();
  const exporter = new OTLPMetricExporter({ url: `http://${gateway.endpoints['otlp.http']}/v1/metrics` });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'prompter-api', 'deployment.environment.name': 'e2e' }), readers: [reader] });
  const usage = provider.getMeter('genai').createHistogram('gen_ai.client.token.usage', { unit: '{token}', description: 'Measures number of input and output tokens used.' });
  return {
    call(provider: string, model: string, feature: string, input: number, output: number, responseModel = model) {
      const a: Attributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': provider, 'gen_ai.request.model': model, 'gen_ai.response.model': responseModel, feature };
      usage.record(input, { ...a, 'gen_ai.token.type': 'input' });
      usage.record(output, { ...a, 'gen_ai.token.type': 'output' });
    },
    /** Collects once and exports that collection `times` times (more than once: a client resending the same request). */
    async export(times = 1): Promise<void> {
      const { resourceMetrics } = await reader.collect();
      for (let i = 0; i < times; i++) {
        const result = await new Promise<ExportResult>((resolve) => exporter.export(resourceMetrics, resolve));
        expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
      }
    },
    async shutdown() {
      await provider.shutdown();
      await exporter.shutdown();
    },
  };
}

let gateway: GatewayProcess;
let files: ReturnType<typeof tempFiles>;
beforeAll(async () => {
  files = tempFiles({ 'llm.yaml': PRICE_TABLE });
  gateway = await startGateway('config/gateway.yaml', { ...FREE_PORTS_ENV, SWITCHYARD_LOG_PATH: 'stderr', PROMETHEUS_REMOTE_WRITE_URL: '', SWITCHYARD_PRICING_FILE: files.path('llm.yaml') });
});
afterAll(async () => {
  await gateway?.stop();
  files?.cleanup();
});

async function scrape(): Promise<Sample[]> {
  return parseExposition(await (await fetch(`http://${gateway.endpoints.prometheus}/metrics`)).text());
}

describe('llmcost in the shipped Prometheus pipeline: llm_cost_usd_total from gen_ai.client.token.usage', () => {
  it('equals tokens × price exactly per provider, model, token type and feature, through a resent request and a counter reset; unpriced tokens are counted, the model named once', async () => {
    // Tokens the test sends, by "provider model token_type feature".
    const tokens = new Map<string, number>();
    const calls = (app: ReturnType<typeof llmApp>, list: [string, string, string, number, number, string?][]) => {
      for (const [provider, model, feature, input, output, response] of list) {
        app.call(provider, model, feature, input, output, response);
        for (const [type, n] of [['input', input], ['output', output]] as const) {
          const key = `${provider} ${model} ${type} ${feature}`;
          tokens.set(key, (tokens.get(key) ?? 0) + n);
        }
      }
    };

    const first = llmApp();
    calls(first, [
      ['openai', 'gpt-4o', 'summarize', 1200, 350],
      ['openai', 'gpt-4o', 'chat', 800, 100],
      ['anthropic', 'claude-3-5-sonnet-latest', 'chat', 2000, 500, 'claude-3-5-sonnet-20241022'],
      ['anthropic', 'claude-4-preview', 'chat', 700, 300],
    ]);
    await first.export(2); // a client retry: the same request again, counted once
    calls(first, [['openai', 'gpt-4o', 'summarize', 400, 50]]);
    await first.export();
    await first.shutdown();

    // The service restarts: its cumulative series start again from a smaller value, a new start time.
    const second = llmApp();
    calls(second, [
      ['openai', 'gpt-4o', 'summarize', 50, 10],
      ['anthropic', 'claude-4-preview', 'chat', 20, 5],
    ]);
    await second.export();
    await second.shutdown();

    const samples = await eventually(async () => {
      const s = await scrape();
      const v = find(s, 'llm_cost_usd_total', { provider: 'openai', model: 'gpt-4o', token_type: 'input', feature: 'summarize' });
      return v[0]?.value === ((1200 + 400 + 50) * 2.5) / 1e6 ? s : undefined;
    }, 10_000, 'the cost after the restart');

    const priced = [...tokens].filter(([key]) => !key.includes('claude-4-preview'));
    expect(find(samples, 'llm_cost_usd_total')).toHaveLength(priced.length);
    for (const [key, n] of priced) {
      const [provider, model, type, feature] = key.split(' ') as [string, string, 'input' | 'output', string];
      const price = (model === 'gpt-4o' ? PRICES['openai gpt-4o'] : PRICES['anthropic claude-3-5-sonnet-20241022'])[type];
      const labels = { provider, model, token_type: type, feature, service: 'prompter-api', env: 'e2e' };
      expect(valueOf(samples, 'llm_cost_usd_total', labels), key).toBe((n * price) / 1e6);
    }
    // Never guessed: the unpriced model has no cost series, its tokens are counted.
    expect(find(samples, 'llm_cost_usd_total', { model: 'claude-4-preview' })).toEqual([]);
    expect(valueOf(samples, 'llm_cost_unpriced_tokens_total', { provider: 'anthropic', model: 'claude-4-preview', token_type: 'input', feature: 'chat' })).toBe(720);
    expect(valueOf(samples, 'llm_cost_unpriced_tokens_total', { provider: 'anthropic', model: 'claude-4-preview', token_type: 'output', feature: 'chat' })).toBe(305);
    const named = gateway.logs.filter((l) => l.model === 'claude-4-preview' && String(l.msg).startsWith('No price for this model'));
    expect(named).toHaveLength(1);
    expect(named[0]).toMatchObject({ provider: 'anthropic', pricing_file: files.path('llm.yaml') });
  });
});

describe('switchyard validate on a bad price table', () => {
  it('names every mistake with the price table’s file, line and YAML path', async () => {
    const bad = tempFiles({
      'bad.yaml': `providers:
  openai:
    - { model: gpt-4o, input: cheap, output: 10.00, since: "2024-10-02" }
    - { model: gpt-4o-mini, pattern: "^gpt", input: 1, output: 2, since: "2024-13-01" }
  anthropic:
    - { pattern: "([", input: 3, output: 15, since: "2024-06-20", currency: EUR }
`,
    });
    try {
      const r = await runCli(['validate', '--config', 'config/gateway.yaml'], { SWITCHYARD_PRICING_FILE: bad.path('bad.yaml') });
      expect(r.code).toBe(1);
      const out = r.stdout + r.stderr;
      const at = (line: number, path: string, message: string) => expect(out).toMatch(new RegExp(`${bad.path('bad.yaml')}:${line}:\\d+: ${path.replace(/[.[\]]/g, '\\$&')}: ${message}`));
      at(3, 'providers.openai[0].input', 'expected USD per million tokens, a number');
      at(4, 'providers.openai[1]', 'give exactly one of "model"');
      at(4, 'providers.openai[1].since', '"2024-13-01" is not a date');
      at(6, 'providers.anthropic[0].pattern', '"\\(\\[" is not a valid regular expression');
      at(6, 'providers.anthropic[0].currency', 'unknown key "currency"');
    } finally {
      bad.cleanup();
    }
  });

  it('says where the price table is named when it cannot be read', async () => {
    const r = await runCli(['validate', '--config', 'config/gateway.yaml'], { SWITCHYARD_PRICING_FILE: '/nonexistent/llm.yaml' });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('/nonexistent/llm.yaml: cannot read the price table');
  });
});
