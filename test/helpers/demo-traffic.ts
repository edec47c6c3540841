import type { DemoApp } from './demo-app.ts';

/**
 * One request to each of the demo's endpoints, so that every metric the shipped dashboards query is
 * recorded once (Redis reported down, so its gauge exists), then an export.
 */
export async function driveEveryDemoMetric(app: DemoApp): Promise<void> {
  for (let i = 0; i < 4; i++) await app.request('GET', `/v1/prompts/${i}`);
  await app.request('GET', '/v1/prompts/404');
  await app.request('GET', '/v1/boom');
  await app.request('POST', '/v1/probes/openai', { model: 'gpt-4o', seconds: 0.3 });
  await app.request('POST', '/v1/probes/openai', { model: 'gpt-4o', fail: true, seconds: 1.2 });
  await app.request('POST', '/v1/completions/openai', { model: 'gpt-4o', feature: 'summarize', input: 1200, output: 300 });
  await app.request('POST', '/v1/completions/anthropic', { model: 'claude-unreleased', feature: 'chat', input: 40, output: 10 });
  await app.request('POST', '/v1/results', { fingerprint: true });
  await app.request('POST', '/v1/results', { duplicate: true });
  await app.request('POST', '/v1/tasks/prompter', { seconds: 0.2, retries: 2 });
  await app.request('GET', '/v1/limited');
  await app.request('POST', '/demo/redis/down');
  await app.flush();
}
