import { copyFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { startDemoApp, type DemoApp } from '../helpers/demo-app.ts';
import { driveEveryDemoMetric } from '../helpers/demo-traffic.ts';
import { FREE_PORTS_ENV } from '../helpers/free-ports-env.ts';
import { componentStatus, startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { minimalGatewayYaml } from '../helpers/minimal-gateway-yaml.ts';
import { tempFiles } from '../helpers/temp-files.ts';

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The number in a node's counter text, e.g. "1234 in" → 1234 ("1.2k in" is read as 1200). */
function leadingCount(text: string): number {
  const m = /([\d.]+)([kMG]?)/.exec(text);
  if (!m) return 0;
  return Number(m[1]) * ({ k: 1e3, M: 1e6, G: 1e9 }[m[2]!] ?? 1);
}

/** Opens a tap from the page's form and returns the rows' metric names seen. */
async function tapFromPage(page: Page, pipeline: string, place: string): Promise<void> {
  await page.locator('#tap-pipeline').selectOption(pipeline);
  await page.locator('#tap-place').selectOption(place);
  await page.locator('#tap-match').fill('probe');
  await page.locator('#tap-start').click();
  await expect.poll(() => page.locator('#tap-stats').innerText(), { timeout: 10_000 }).toContain(`tapping ${pipeline} ${place}`);
}

describe.skipIf(!hasChromium)('the status page on the shipped config, fed by the demo service', () => {
  let gateway: GatewayProcess;
  let app: DemoApp;
  let browser: Browser;
  let page: Page;
  let admin: string;
  const files = tempFiles({});
  /** When the gateway first reported the dead endpoint's error (polled every 100 ms from its start). */
  let errorKnownAt: number | undefined;
  let watchError: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    // Remote-write on, at a port nothing listens on: its exporter must show why it cannot deliver.
    const dead = await closedPort();
    [gateway, browser] = await Promise.all([
      startGateway('config/gateway.yaml', { ...FREE_PORTS_ENV, DD_API_KEY: '', PROMETHEUS_REMOTE_WRITE_URL: `http://127.0.0.1:${dead}/api/v1/write`, SWITCHYARD_QUEUE_DIR: files.path('queue') }),
      launchChromium(),
    ]);
    admin = `http://${gateway.endpoints.admin}`;
    watchError = setInterval(() => {
      void componentStatus(gateway.endpoints.admin!, 'prometheusremotewrite').then((s) => {
        if (s.lastError && errorKnownAt === undefined) errorKnownAt = Date.now();
      });
    }, 100);
    app = await startDemoApp(gateway.endpoints['otlp.http']!, { OTEL_SERVICE_NAME: 'prompter-status', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=e2e' });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${admin}/`);
    // Survives only as long as the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { loadedOnce: string }).loadedOnce = 'yes'));
    // The moment the page first shows the remote-write exporter failing, by the same clock.
    await page.evaluate(() => {
      const timer = setInterval(() => {
        if (!document.querySelector('#exporters tr[data-exporter="prometheusremotewrite"].failing')) return;
        (window as unknown as { errorShownAt: number }).errorShownAt = Date.now();
        clearInterval(timer);
      }, 50);
    });
  }, 60_000);
  afterAll(async () => {
    clearInterval(watchError);
    await browser?.close();
    await app?.stop();
    await gateway?.stop();
    files.cleanup();
  });

  it('draws every running component of the config in its pipelines', async () => {
    await expect.poll(() => page.locator('details.pipeline').count()).toBeGreaterThan(0);
    const detailed = (await (await fetch(`${admin}/health/detailed`)).json()) as { components: { id: string; kind: string }[] };
    const drawn = new Set(await page.locator('[data-component]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-component'))));
    const expected = new Set(detailed.components.map((c) => `${c.kind}:${c.id}`));
    expect([...expected].filter((c) => !drawn.has(c))).toEqual([]);
    expect(drawn).toEqual(expected);
    for (const c of ['receiver:otlp', 'receiver:hostmetrics', 'processor:rename/prometheus', 'processor:cardinality/prometheus', 'connector:spanmetrics', 'exporter:prometheus', 'exporter:prometheusremotewrite', 'exporter:log']) expect(drawn).toContain(c);
    const pipelines = await page.locator('details.pipeline').evaluateAll((ds) => ds.map((d) => d.getAttribute('data-pipeline')));
    expect(pipelines).toEqual(expect.arrayContaining(['traces', 'logs', 'traces/spanmetrics', 'metrics/prometheus', 'metrics/host']));
    expect(pipelines).not.toContain('metrics/datadog'); // off without DD_API_KEY, so not drawn
  });

  it('counts rise while the demo sends, on nodes and arrows, without the page reloading', async () => {
    const otlp = page.locator('details[data-pipeline="metrics/prometheus"] [data-component="receiver:otlp"] .counts');
    const arrow = page.locator('details[data-pipeline="metrics/prometheus"] .edge[data-place="after rename/prometheus"]');
    await expect.poll(() => arrow.getAttribute('data-items')).toMatch(/^\d+$/); // the meters are on
    const before = leadingCount(await otlp.innerText());
    const itemsBefore = Number(await arrow.getAttribute('data-items'));
    await driveEveryDemoMetric(app);
    await expect.poll(async () => leadingCount(await otlp.innerText()), { timeout: 10_000 }).toBeGreaterThan(before);
    await expect.poll(async () => Number(await arrow.getAttribute('data-items')), { timeout: 10_000 }).toBeGreaterThan(itemsBefore);
    await expect.poll(() => page.locator('#exporters tr[data-exporter="prometheus"] td:nth-child(5)').innerText()).not.toBe('0');
    expect(await page.evaluate(() => (window as unknown as { loadedOnce?: string }).loadedOnce)).toBe('yes');
  });

  it('shows the error of the exporter pointed at a dead endpoint within 5 s of the gateway knowing it', async () => {
    await driveEveryDemoMetric(app);
    await expect.poll(() => errorKnownAt, { timeout: 20_000, interval: 100 }).toBeDefined();
    const shownAt = await page.waitForFunction(() => (window as unknown as { errorShownAt?: number }).errorShownAt, undefined, { timeout: 5_000 });
    expect((await shownAt.jsonValue())! - errorKnownAt!).toBeLessThan(5_000);
    const message = (await componentStatus(gateway.endpoints.admin!, 'prometheusremotewrite')).lastError?.message;
    expect(message).toMatch(/ECONNREFUSED|refused|fetch failed/i);
    await expect.poll(() => page.locator('#exporters tr[data-exporter="prometheusremotewrite"] .err').innerText()).toContain(message!);
    const node = page.locator('details[data-pipeline="metrics/prometheus"] [data-component="exporter:prometheusremotewrite"]');
    expect(await node.getAttribute('class')).toContain('failing');
    expect(await node.locator('.err').innerText()).toBe(message);
  });

  it('taps after rename/prometheus the renamed metric, and before it the original name', async () => {
    const second = await browser.newPage();
    try {
      await second.goto(`${admin}/`);
      await expect.poll(() => second.locator('#tap-pipeline option').count()).toBeGreaterThan(0);
      await expect.poll(() => page.locator('#tap-pipeline option').count()).toBeGreaterThan(0);
      await tapFromPage(page, 'metrics/prometheus', 'after rename/prometheus');
      await tapFromPage(second, 'metrics/prometheus', 'before rename/prometheus');
      await driveEveryDemoMetric(app);
      await expect.poll(() => page.locator('#tap-points tbody tr[data-metric="prompter_probe_attempts_total"]').count(), { timeout: 10_000 }).toBeGreaterThan(0);
      await expect.poll(() => second.locator('#tap-points tbody tr[data-metric="prompter.probe.attempts"]').count(), { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await page.locator('#tap-points tbody tr[data-metric="prompter.probe.attempts"]').count()).toBe(0);
      expect(await page.locator('#tap-points tbody tr').first().innerText()).toContain('prompter-status');
      // The page in use after all this: still the first load.
      expect(await page.evaluate(() => (window as unknown as { loadedOnce?: string }).loadedOnce)).toBe('yes');
      const shot = files.path('status-page.png');
      await page.screenshot({ path: shot, fullPage: true });
      const png = readFileSync(shot);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.length).toBeGreaterThan(20_000);
      // For the README's picture: SWITCHYARD_KEEP_SCREENSHOT=docs/status-page.png npx vitest run test/e2e/status-page.test.ts
      if (process.env.SWITCHYARD_KEEP_SCREENSHOT) copyFileSync(shot, process.env.SWITCHYARD_KEEP_SCREENSHOT);
    } finally {
      await second.close();
    }
  });
});

/** A gateway on the temp files' gateway.yaml and a browser, for the tests of one describe block; stopped after them. */
function gatewayAndBrowser(files: ReturnType<typeof tempFiles>, env: NodeJS.ProcessEnv) {
  const running = { admin: '' } as { gateway: GatewayProcess; browser: Browser; admin: string };
  beforeAll(async () => {
    [running.gateway, running.browser] = await Promise.all([startGateway(files.path('gateway.yaml'), env), launchChromium()]);
    running.admin = `http://${running.gateway.endpoints.admin}`;
  });
  afterAll(async () => {
    await running.browser?.close();
    await running.gateway?.stop();
    files.cleanup();
  });
  return running;
}

describe.skipIf(!hasChromium)('the status page behind the admin auth', () => {
  const TOKEN = 'status-page-token-7f3a';
  const files = tempFiles({
    'gateway.yaml': minimalGatewayYaml('auth: { bearer_token: "${env:ADMIN_TOKEN}" }'),
  });
  const running = gatewayAndBrowser(files, { ADMIN_TOKEN: TOKEN });

  it('refuses every data request without the token, and serves the page itself, which holds none', async () => {
    for (const path of ['/status.json', '/tap', '/tap?pipeline=metrics&after=otlp', '/health/detailed']) expect([path, (await fetch(`${running.admin}${path}`)).status]).toEqual([path, 401]);
    expect((await fetch(`${running.admin}/status.json`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const shell = await fetch(`${running.admin}/`);
    expect(shell.status).toBe(200);
    expect(await shell.text()).not.toContain('otlp');
  });

  it('works given the token in the #token= fragment, which then leaves the address bar', async () => {
    const page = await running.browser.newPage();
    await page.goto(`${running.admin}/#token=${TOKEN}`);
    await expect.poll(() => page.locator('#status').innerText()).toBe('ok');
    expect(await page.locator('[data-component]').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-component')))).toEqual(['receiver:otlp', 'processor:batch', 'exporter:prometheus']);
    expect(page.url()).toBe(`${running.admin}/`);
    await expect.poll(() => page.locator('#tap-pipeline option').count()).toBe(1); // /tap read with the token too
    expect(await page.locator('#auth').isHidden()).toBe(true);
    await page.close();
  });

  it('asks for the token when it has none, and works once it is typed in', async () => {
    const page = await running.browser.newPage();
    await page.goto(`${running.admin}/`);
    await expect.poll(() => page.locator('#auth').isVisible()).toBe(true);
    expect(await page.locator('[data-component]').count()).toBe(0);
    await page.locator('#token').fill('not-the-token');
    await page.locator('#auth button').click();
    await expect.poll(() => page.locator('#auth-error').innerText()).toBe('the token was refused');
    await page.locator('#token').fill(TOKEN);
    await page.locator('#auth button').click();
    await expect.poll(() => page.locator('[data-component]').count()).toBe(3);
    expect(await page.locator('#auth').isHidden()).toBe(true);
    await page.close();
  });
});

describe.skipIf(!hasChromium)('the status page at 200 components', () => {
  const PIPELINES = 33;
  const PROCESSORS = 5;
  /** 2 receivers + 33 pipelines × (5 processors + 1 exporter) = 200 components. */
  const yaml = () => {
    const lines = ['receivers:', '  otlp:', '    protocols:', '      http: { endpoint: "127.0.0.1:0" }', '  hostmetrics: { collection_interval: 1h, scrapers: { load: {} } }', 'processors:'];
    for (let p = 0; p < PIPELINES; p++) for (let k = 0; k < PROCESSORS; k++) lines.push(`  attributes/p${p}-${k}: { actions: [{ key: step, value: "${k}", action: upsert }] }`);
    lines.push('exporters:');
    for (let p = 0; p < PIPELINES; p++) lines.push(`  log/p${p}: { path: "\${env:LOG_DIR}/p${p}.jsonl" }`);
    lines.push('service:', '  admin: { endpoint: "127.0.0.1:0" }', '  pipelines:');
    for (let p = 0; p < PIPELINES; p++) {
      const processors = Array.from({ length: PROCESSORS }, (_, k) => `attributes/p${p}-${k}`).join(', ');
      lines.push(`    metrics/p${p}: { receivers: [${p === 0 ? 'otlp, hostmetrics' : 'otlp'}], processors: [${processors}], exporters: [log/p${p}] }`);
    }
    return `${lines.join('\n')}\n`;
  };
  const files = tempFiles({ 'gateway.yaml': yaml() });
  const running = gatewayAndBrowser(files, { LOG_DIR: files.path('.') });

  it('draws all 200, in collapsed pipelines that open on demand, from a small and quick data request', async () => {
    const page = await running.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${running.admin}/`);
    await expect.poll(() => page.locator('details.pipeline').count()).toBe(PIPELINES);
    const drawn = new Set(await page.locator('[data-component]').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-component'))));
    expect(drawn.size).toBe(200);
    // Compact: every pipeline a summary line, until opened.
    expect(await page.locator('details.pipeline[open]').count()).toBe(0);
    await page.locator('#expand').click();
    expect(await page.locator('details.pipeline[open]').count()).toBe(PIPELINES);
    await expect(page.locator('details[data-pipeline="metrics/p32"] [data-component="exporter:log/p32"]').isVisible()).resolves.toBe(true);
    await page.locator('#filter').fill('p17-3');
    expect(await page.locator('details.pipeline:not([hidden])').evaluateAll((ds) => ds.map((d) => d.getAttribute('data-pipeline')))).toEqual(['metrics/p17']);

    const timings: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const body = await (await fetch(`${running.admin}/status.json`)).text();
      timings.push(performance.now() - t0);
      bytes = body.length;
    }
    timings.sort((a, b) => a - b);
    console.log(`status.json at 200 components: ${bytes} bytes, median ${timings[2]!.toFixed(1)} ms`);
    expect(bytes).toBeLessThan(150_000);
    expect(timings[2]).toBeLessThan(200);
    await page.close();
  });
});
