import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway-process.ts';
import { driveLoad, loadBody } from '../helpers/otlp-load.ts';
import { find, parseExposition } from '../helpers/prom-text.ts';
import { freePort } from '../helpers/prometheus-server.ts';
import { tempFiles } from '../helpers/temp-files.ts';

/** The gateway's config: `processors` in the pipeline, the scrape endpoint on `scrapePort`. */
const config = (processors: string, scrapePort: number) => `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
processors:
  memory_limiter: { check_interval: 1s, limit_mib: 400 }
  attributes/reload: { actions: [{ key: reloaded, value: "yes", action: upsert }] }
exporters:
  prometheus: { endpoint: "127.0.0.1:${scrapePort}" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], processors: [${processors}], exporters: [prometheus] }
`;


const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('reloading under steady load', () => {
  it('keeps the unchanged OTLP and scrape ports answering through a pipeline change and a port change, and exports every point it answered 200 for', async () => {
    const [before, after] = [await freePort(), await freePort()];
    const t = tempFiles({ 'gateway.yaml': config('memory_limiter', before) });
    cleanups.push(t.cleanup);
    const gw = await startGateway(t.path('gateway.yaml'));
    cleanups.push(() => gw.stop());
    const otlp = gw.endpoints['otlp.http']!;
    const url = `http://${otlp}/v1/metrics`;
    const body = await loadBody(1, 500);

    // Posting all along: keep-alive connections, and a new connection for every request (a refusing port shows there).
    const load = Promise.all([driveLoad({ url, body, durationMs: 9_000, connections: 4 }), driveLoad({ url, body, durationMs: 9_000, connections: 2, keepAlive: false })]);
    // And scraping the prometheus exporter's port, unchanged by the first reload, new connections each time.
    let scraping = true;
    const scrapes = { ok: 0, failed: [] as string[] };
    const scraper = (async () => {
      while (scraping) {
        try {
          const res = await fetch(`http://127.0.0.1:${before}/metrics`, { headers: { connection: 'close' } });
          await res.arrayBuffer();
          if (res.status === 200) scrapes.ok++;
          else scrapes.failed.push(String(res.status));
        } catch (error) {
          scrapes.failed.push(String((error as { cause?: { code?: string } }).cause?.code ?? error));
        }
        await sleep(10);
      }
    })();
    await sleep(2_000);
    writeFileSync(t.path('gateway.yaml'), config('memory_limiter, attributes/reload', before));
    gw.child.kill('SIGHUP');
    const first = await gw.waitForLog((l) => l.msg === 'Configuration reloaded.');
    await sleep(1_000);
    scraping = false;
    await scraper;
    await sleep(1_000);
    writeFileSync(t.path('gateway.yaml'), config('memory_limiter, attributes/reload', after));
    gw.child.kill('SIGHUP');
    const second = await gw.waitForLog((l) => l.msg === 'Configuration reloaded.' && l !== first);
    const reports = await load;

    expect((first.endpoints as Record<string, string>)['otlp.http']).toBe(otlp);
    expect((second.endpoints as Record<string, string>)['otlp.http']).toBe(otlp);
    expect((second.endpoints as Record<string, string>).prometheus).toBe(`127.0.0.1:${after}`);
    for (const r of reports) {
      expect(r.errors).toEqual({}); // no ECONNREFUSED, no ECONNRESET
      expect(Object.keys(r.statuses)).toEqual(['200']);
    }
    expect(scrapes.failed).toEqual([]);
    expect(scrapes.ok).toBeGreaterThan(0);
    const scrape = parseExposition(await (await fetch(`http://${gw.endpoints.admin}/metrics`)).text());
    const exported = find(scrape, 'switchyard_exporter_sent_points_total', { component: 'prometheus' }).reduce((n, s) => n + s.value, 0);
    const answered200 = reports.reduce((n, r) => n + r.okPoints, 0);
    console.info(`reload figures: ${JSON.stringify({ requests: reports.map((r) => r.statuses), answered200, exported, max_latency_ms: Math.round(Math.max(...reports.flatMap((r) => r.latenciesMs))) })}`);
    expect(answered200).toBeGreaterThan(0);
    expect(exported).toBe(answered200);
    // The new pipeline ran: its processor's label is on the scrape at the new port.
    expect(await (await fetch(`http://127.0.0.1:${after}/metrics`)).text()).toContain('reloaded="yes"');
  }, 60_000);
});
