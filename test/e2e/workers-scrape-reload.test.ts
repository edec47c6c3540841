import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { postGaugePoints } from '../helpers/otlp-json-request.ts';
import { freePort } from '../helpers/prometheus-server.ts';
import { tempFiles } from '../helpers/temp-files.ts';

/** OTLP/HTTP → (`processors`) → a Prometheus exporter at `scrapePort` (and one at `secondPort`), run with --workers 2. */
const gatewayYaml = (scrapePort: number, processors = '[]', secondPort?: number) => `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
processors:
  batch: { timeout: 50ms }
exporters:
  prometheus: { endpoint: "127.0.0.1:${scrapePort}" }
${secondPort ? `  prometheus/b: { endpoint: "127.0.0.1:${secondPort}" }\n` : ''}service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], processors: ${processors}, exporters: [prometheus] }
${secondPort ? '    metrics/b: { receivers: [otlp], exporters: [prometheus/b] }\n' : ''}`;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The merged scrape page's gauge.points series, by `point` label; ECONNREFUSED and the like throw. */
async function scrapedPoints(port: number): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  return [...(await res.text()).matchAll(/^gauge_points\{[^}]*point="([^"]+)"/gm)].map((m) => m[1]!).sort();
}

/** SIGHUP, then the first line from then on that `match`es. */
async function reload(gw: GatewayProcess, match: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const mark = gw.logs.length;
  gw.child.kill('SIGHUP');
  return gw.waitForLog((l) => gw.logs.indexOf(l) >= mark && match(l), 30_000);
}

/** Resolves once `port` can be bound again (a listener on it closed), or false after `ms`. */
async function bindable(port: number, ms = 5_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const bound = await new Promise<Server | undefined>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(undefined));
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
    if (bound) return new Promise((resolve) => bound.close(() => resolve(true)));
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function until<T>(check: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('switchyard run --workers 2: the merged Prometheus scrape port on reload and shutdown', () => {
  it('keeps its port through a reload that keeps it, hands it back when a reload cannot bind a new one, and frees it on shutdown', async () => {
    const port = await freePort();
    const t = tempFiles({ 'gateway.yaml': gatewayYaml(port) });
    cleanups.push(t.cleanup);
    const gw = await startGateway(t.path('gateway.yaml'), {}, 40_000, ['--workers', '2']);
    cleanups.push(() => gw.stop());
    const otlp = gw.endpoints['otlp.http']!;
    expect(await postGaugePoints(otlp, 4, 'a')).toBe(200);
    await until(async () => ((await scrapedPoints(port)).length === 4 ? true : undefined), 'the first points on the scrape page');

    // A reload that moves the exporter to a port in use: refused, and the old port serves on.
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => taken.close(resolve)));
    writeFileSync(t.path('gateway.yaml'), gatewayYaml((taken.address() as { port: number }).port));
    const refused = await reload(gw, (l) => String(l.msg).startsWith('Reload failed'));
    expect(JSON.stringify(refused.err)).toContain('already in use');
    expect(await postGaugePoints(otlp, 2, 'b')).toBe(200);
    await until(async () => ((await scrapedPoints(port)).length === 6 ? true : undefined), 'points sent after the refused reload on the old port');
    const status = (await (await fetch(`http://${gw.endpoints.admin}/status.json`)).json()) as { config: { last_reload: { ok: boolean } } };
    expect(status.config.last_reload.ok).toBe(false);

    // A reload that keeps the port and changes the pipeline: scraped in a loop throughout, never 503 nor refused.
    writeFileSync(t.path('gateway.yaml'), gatewayYaml(port, '[batch]'));
    let scraping = true;
    const failures: string[] = [];
    let scrapes = 0;
    const scraper = (async () => {
      while (scraping) {
        await fetch(`http://127.0.0.1:${port}/metrics`)
          .then(async (r) => {
            const text = await r.text();
            if (r.status !== 200) failures.push(`HTTP ${r.status}: ${text.trim()}`);
          })
          .catch((e: unknown) => failures.push(String((e as { cause?: unknown }).cause ?? e)));
        scrapes++;
      }
    })();
    await reload(gw, (l) => l.msg === 'Configuration reloaded.');
    scraping = false;
    await scraper;
    expect(failures).toEqual([]);
    expect(scrapes).toBeGreaterThan(0);
    expect(await postGaugePoints(otlp, 1, 'c')).toBe(200);
    await until(async () => ((await scrapedPoints(port)).includes('c-0') ? true : undefined), 'points sent after the reload');

    // A reload that adds an exporter on a new port: its merged page is served from the moment the port
    // opens (the scrape servers move before the workers reload), so a scrape there waits for the workers
    // rather than being answered 503 while they do not have the exporter yet.
    const second = await freePort();
    writeFileSync(t.path('gateway.yaml'), gatewayYaml(port, '[batch]', second));
    let scrapingSecond = true;
    const secondAnswers: string[] = [];
    const secondScraper = (async () => {
      while (scrapingSecond) {
        await fetch(`http://127.0.0.1:${second}/metrics`)
          .then(async (r) => void secondAnswers.push(r.status === 200 ? '200' : `HTTP ${r.status}: ${(await r.text()).trim()}`))
          .catch(async () => void (await new Promise((resolve) => setTimeout(resolve, 2)))); // not bound yet
      }
    })();
    await reload(gw, (l) => l.msg === 'Configuration reloaded.');
    scrapingSecond = false;
    await secondScraper;
    expect(secondAnswers.filter((a) => a !== '200')).toEqual([]);
    expect(secondAnswers.length).toBeGreaterThan(0);

    // Shutdown frees the port.
    expect(await gw.stop()).toBe(0);
    expect(await bindable(port)).toBe(true);
  }, 120_000);
});
