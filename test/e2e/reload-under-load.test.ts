import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { driveGrpcLoad, driveLoad, loadBody, type LoadReport } from '../helpers/otlp-load.ts';
import { find, parseExposition } from '../helpers/prom-text.ts';
import { freePort } from '../helpers/prometheus-server.ts';
import { tempFiles } from '../helpers/temp-files.ts';

interface Ports {
  http: number;
  grpc: number;
  scrape: number;
}

/**
 * The gateway's config: OTLP/HTTP and OTLP/gRPC on fixed ports, `processors` in the pipeline, the scrape
 * endpoint. It never sheds (max_queue_delay 0s): on a shared machine a starved process sheds some of this
 * load as overload (503/UNAVAILABLE), which is backpressure, tested by overload.test.ts, not a reload's doing.
 */
const config = (processors: string, p: Ports) => `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:${p.http}", max_queue_delay: 0s }
      grpc: { endpoint: "127.0.0.1:${p.grpc}", max_queue_delay: 0s }
processors:
  memory_limiter: { check_interval: 1s, limit_mib: 400 }
  attributes/reload: { actions: [{ key: reloaded, value: "yes", action: upsert }] }
exporters:
  prometheus: { endpoint: "127.0.0.1:${p.scrape}" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], processors: [${processors}], exporters: [prometheus] }
`;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Writes `yaml`, sends SIGHUP and answers the "Configuration reloaded." line that follows (any other reload line fails). */
async function reload(gw: GatewayProcess, file: string, yaml: string): Promise<Record<string, string>> {
  const mark = gw.logs.length;
  writeFileSync(file, yaml);
  gw.child.kill('SIGHUP');
  const line = await gw.waitForLog((l) => gw.logs.indexOf(l) >= mark && typeof l.msg === 'string' && (l.msg === 'Configuration reloaded.' || l.msg.startsWith('Reload ')), 60_000);
  expect(line.msg, JSON.stringify(line)).toBe('Configuration reloaded.');
  return line.endpoints as Record<string, string>;
}

/** Scrapes `url` on a new connection each time until stopped: 200s counted, anything else (503, refused) listed. */
function scrapeLoop(url: string): { stop(): Promise<{ ok: number; failed: string[] }> } {
  let scraping = true;
  const scrapes = { ok: 0, failed: [] as string[] };
  const loop = (async () => {
    while (scraping) {
      try {
        const res = await fetch(url, { headers: { connection: 'close' } });
        await res.arrayBuffer();
        if (res.status === 200) scrapes.ok++;
        else scrapes.failed.push(String(res.status));
      } catch (error) {
        scrapes.failed.push(String((error as { cause?: { code?: string } }).cause?.code ?? error));
      }
      await sleep(10);
    }
  })();
  return {
    stop: async () => {
      scraping = false;
      await loop;
      return scrapes;
    },
  };
}

/** Every answer a client got was a success (`ok`: 200 or OK), and it never failed to connect. */
function expectAllAccepted(reports: LoadReport[], ok: string): void {
  for (const r of reports) {
    expect(r.errors).toEqual({}); // no ECONNREFUSED, no ECONNRESET
    expect(Object.keys(r.statuses), JSON.stringify(r.refusals)).toEqual([ok]);
  }
}

describe.each([
  ['one process', []],
  ['--workers 2', ['--workers', '2']],
])('reloading under steady load (%s)', (_mode, args) => {
  it('keeps the unchanged ports answering through a pipeline change, then moves the OTLP/HTTP and scrape ports, and exports every point it accepted over HTTP and gRPC', async () => {
    const [http, grpc, scrape, movedHttp, movedScrape] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const before: Ports = { http: http!, grpc: grpc!, scrape: scrape! };
    const after: Ports = { http: movedHttp!, grpc: grpc!, scrape: movedScrape! };
    const t = tempFiles({ 'gateway.yaml': config('memory_limiter', before) });
    cleanups.push(t.cleanup);
    const gw = await startGateway(t.path('gateway.yaml'), {}, 40_000, args);
    cleanups.push(() => gw.stop());
    const body = await loadBody(1, 500);
    const oldUrl = `http://127.0.0.1:${before.http}/v1/metrics`;
    const grpcAddress = gw.endpoints['otlp.grpc']!;
    expect(grpcAddress).toBe(`127.0.0.1:${grpc}`);
    const forever = 600_000;

    // Posting all along over HTTP and gRPC: kept connections, and a new connection for every request
    // (a refusing port shows there). The gRPC port never changes: its clients run throughout.
    const end = new AbortController();
    const grpcLoad = Promise.all([
      driveGrpcLoad({ url: grpcAddress, body, durationMs: forever, connections: 2, stop: end.signal }),
      driveGrpcLoad({ url: grpcAddress, body, durationMs: forever, connections: 1, keepAlive: false, stop: end.signal }),
    ]);
    // HTTP on the first port, through the pipeline change: never refused, never reset.
    const pipelineChanged = new AbortController();
    const httpThroughPipelineChange = Promise.all([
      driveLoad({ url: oldUrl, body, durationMs: forever, connections: 3, stop: pipelineChanged.signal }),
      driveLoad({ url: oldUrl, body, durationMs: forever, connections: 2, keepAlive: false, stop: pipelineChanged.signal }),
    ]);
    // And scraping the prometheus exporter's port, unchanged by the first reload, new connections each time.
    const scraper = scrapeLoop(`http://127.0.0.1:${before.scrape}/metrics`);
    await sleep(2_000);
    const first = await reload(gw, t.path('gateway.yaml'), config('memory_limiter, attributes/reload', before));
    await sleep(1_000);
    pipelineChanged.abort();
    const scrapes = await scraper.stop();

    // HTTP on the first port until its move is logged: a port that moves may refuse or reset, never answer anything but 200.
    const portMoved = new AbortController();
    const httpUntilMove = Promise.all([
      driveLoad({ url: oldUrl, body, durationMs: forever, connections: 3, stop: portMoved.signal }),
      driveLoad({ url: oldUrl, body, durationMs: forever, connections: 2, keepAlive: false, stop: portMoved.signal }),
    ]);
    await sleep(1_000);
    const second = await reload(gw, t.path('gateway.yaml'), config('memory_limiter, attributes/reload', after));
    portMoved.abort();
    // Then on the new port.
    const newUrl = `http://${second['otlp.http']}/v1/metrics`;
    const httpAfterMove = Promise.all([
      driveLoad({ url: newUrl, body, durationMs: forever, connections: 3, stop: end.signal }),
      driveLoad({ url: newUrl, body, durationMs: forever, connections: 2, keepAlive: false, stop: end.signal }),
    ]);
    await sleep(1_500);
    end.abort();
    const [grpcReports, throughChange, untilMove, afterMove] = await Promise.all([grpcLoad, httpThroughPipelineChange, httpUntilMove, httpAfterMove]);

    const reports = [...grpcReports, ...throughChange, ...untilMove, ...afterMove];
    for (const r of [...grpcReports, ...afterMove]) expect(r.okPoints).toBeGreaterThan(0);
    const selfScrape = parseExposition(await (await fetch(`http://${gw.endpoints.admin}/metrics`)).text());
    const exported = find(selfScrape, 'switchyard_exporter_sent_points_total', { component: 'prometheus' }).reduce((n, s) => n + s.value, 0);
    const answeredOk = reports.reduce((n, r) => n + r.okPoints, 0);
    const figures = {
      grpc: grpcReports.map((r) => r.statuses),
      httpThroughChange: throughChange.map((r) => r.statuses),
      httpUntilMove: untilMove.map((r) => r.statuses),
      httpAfterMove: afterMove.map((r) => r.statuses),
      moveErrors: untilMove.map((r) => r.errors),
      answeredOk,
      exported,
      max_latency_ms: Math.round(Math.max(...reports.flatMap((r) => r.latenciesMs))),
    };
    console.info(`reload figures (${_mode}): ${JSON.stringify(figures)}`);
    expect(first).toMatchObject({ 'otlp.http': `127.0.0.1:${before.http}`, 'otlp.grpc': grpcAddress, prometheus: `127.0.0.1:${before.scrape}` });
    expect(second).toMatchObject({ 'otlp.http': `127.0.0.1:${after.http}`, 'otlp.grpc': grpcAddress, prometheus: `127.0.0.1:${after.scrape}` });
    expectAllAccepted(grpcReports, 'OK');
    expectAllAccepted(throughChange, '200');
    expectAllAccepted(afterMove, '200');
    for (const r of untilMove) {
      expect(Object.keys(r.statuses), JSON.stringify(r.refusals)).toEqual(['200']);
      for (const code of Object.keys(r.errors)) expect(['ECONNREFUSED', 'ECONNRESET']).toContain(code);
    }
    expect(scrapes.failed).toEqual([]);
    expect(scrapes.ok).toBeGreaterThan(0);
    // The old OTLP/HTTP port is closed.
    await expect(fetch(oldUrl, { method: 'POST', body: '{}' })).rejects.toThrow();

    expect(exported).toBe(answeredOk);
    // The new pipeline ran: its processor's label is on the scrape at the new port.
    expect(await (await fetch(`http://127.0.0.1:${after.scrape}/metrics`)).text()).toContain('reloaded="yes"');
  }, 180_000);
});
