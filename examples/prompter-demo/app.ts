import { createRequire } from 'node:module';
import type { Meter } from '@opentelemetry/api';
import type { Express, Request, Response } from 'express';
import type { Instruments } from './instruments.ts';
import { oldHttpServerMetrics } from './old-http-metrics.ts';

// Loaded with require() after the SDK started, so the Express and HTTP instrumentations can patch it.
const require = createRequire(import.meta.url);

/**
 * A small imitation of the Prompter API: templated routes that answer 2xx, 4xx and 5xx, each touching
 * the domain instruments the way the real service does. `oldHttpMetrics`, a meter, adds the HTTP server
 * metric of the old semantic conventions on it (see old-http-metrics.ts).
 */
export function createApp(instruments: Instruments, flush: () => Promise<void>, options: { oldHttpMetrics?: Meter }): Express {
  const express = require('express') as typeof import('express');
  const app = express();
  if (options.oldHttpMetrics) app.use(oldHttpServerMetrics(options.oldHttpMetrics));
  app.use(express.json());

  app.get('/health', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });

  app.get('/v1/prompts/:promptId', (req: Request, res: Response) => {
    const lookupHit = Number(req.params.promptId) % 2 === 0;
    instruments.versionLookups.add(1);
    if (lookupHit) instruments.versionCacheHits.add(1);
    if (req.params.promptId === '404') return void res.status(404).json({ error: 'no such prompt' });
    res.json({ id: req.params.promptId, version: 7 });
  });

  app.post('/v1/probes/:provider', (req: Request, res: Response) => {
    const model = String((req.body as { model?: string } | undefined)?.model ?? 'default');
    const attrs = { provider: req.params.provider!, model };
    instruments.probeAttempts.add(1, attrs);
    const seconds = Number((req.body as { seconds?: number } | undefined)?.seconds ?? 0.02);
    instruments.ensureVersion.record(seconds, { provider: attrs.provider });
    if ((req.body as { fail?: boolean } | undefined)?.fail) {
      instruments.probeFailures.add(1, attrs);
      return void res.status(502).json({ error: 'provider failed' });
    }
    res.status(201).json({ ok: true });
  });

  // An LLM call made for a product feature: its tokens, as an LLM client instrumentation records them.
  app.post('/v1/completions/:provider', (req: Request, res: Response) => {
    const body = (req.body ?? {}) as { model?: string; feature?: string; input?: number; output?: number };
    const attrs = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': req.params.provider!, 'gen_ai.request.model': body.model ?? 'gpt-4o-mini', feature: body.feature ?? 'chat' };
    instruments.tokenUsage.record(body.input ?? 100, { ...attrs, 'gen_ai.token.type': 'input' });
    instruments.tokenUsage.record(body.output ?? 50, { ...attrs, 'gen_ai.token.type': 'output' });
    res.status(201).json({ ok: true });
  });

  app.post('/v1/results', (req: Request, res: Response) => {
    const body = (req.body ?? {}) as { fingerprint?: boolean; duplicate?: boolean };
    if (body.duplicate) {
      instruments.uniqueViolations.add(1, { table: 'prompt_results' });
      return void res.status(409).json({ error: 'duplicate' });
    }
    instruments.resultInserts.add(1);
    if (body.fingerprint) instruments.fingerprintPresent.add(1);
    res.status(201).json({ ok: true });
  });

  app.post('/v1/tasks/:queue', (req: Request, res: Response) => {
    const body = (req.body ?? {}) as { seconds?: number; retries?: number };
    instruments.celeryRuntime.record(body.seconds ?? 0.1, { queue: req.params.queue! });
    if (body.retries) instruments.celeryRetries.add(body.retries, { queue: req.params.queue! });
    res.status(202).json({ queued: true });
  });

  app.get('/v1/limited', (_req: Request, res: Response) => {
    instruments.rateLimitHits.add(1, { endpoint: '/v1/limited' });
    res.status(429).json({ error: 'slow down' });
  });

  app.get('/v1/boom', (_req: Request, res: Response) => {
    res.status(500).json({ error: 'internal error' });
  });

  app.post('/demo/redis/:state', (req: Request, res: Response) => {
    instruments.setRedisUp(req.params.state === 'up');
    res.json({ redis: req.params.state });
  });

  // Test hook: export everything recorded so far now, instead of waiting for the export interval.
  app.post('/demo/flush', (_req: Request, res: Response) => {
    flush().then(
      () => res.json({ flushed: true }),
      (error: unknown) => res.status(500).json({ error: String(error) }),
    );
  });

  return app;
}
