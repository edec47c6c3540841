/**
 * `npm run bench`: every performance figure of the project, each beside a peer or a baseline measured
 * in the same run on the same input. Quote the ratios: absolute figures move with the machine's load.
 * Prints the Markdown table and writes the same rows to bench/results.json.
 * `SWITCHYARD_TESTBED_SECONDS` shortens the testbed's 60 s run.
 */
import { writeFileSync } from 'node:fs';
import { benchDecode, type Row } from './decode.ts';
import { benchGateway } from './gateway.ts';
import { benchProcessors } from './processors.ts';
import { benchRemoteWrite } from './remote-write.ts';
import { benchScrape } from './scrape.ts';
import { benchTestbed } from './testbed.ts';

const sections: [string, () => Promise<Row[]>][] = [
  ['OTLP decode (10,000-point metrics request)', benchDecode],
  ['Whole gateway (points per CPU-second of the process, beside our decoder in the same run)', benchGateway],
  ['The Collector testbed load, measured from outside the gateway process', benchTestbed],
  ['Prometheus scrape (100,000 series)', benchScrape],
  ['Prometheus remote-write encoding', benchRemoteWrite],
  ['Stateful processors (cardinality, ratio)', benchProcessors],
  ['Prometheus receiver (one seed-001 prom-client page, beside prom-client writing it)', async () => (await import('./prometheus-receiver.ts')).benchPrometheusReceiver()],
  ['Host metrics (hostmetrics receiver)', async () => (await import('./hostmetrics.ts')).benchHostmetrics()],
  ['Worker threads (switchyard run --workers)', async () => (await import('./workers.ts')).benchWorkers()],
  ['Fleet (two tiers over NATS JetStream, every gateway its own process)', async () => (await import('./fleet.ts')).benchFleet()],
  ['Own telemetry levels (service.telemetry.metrics.level: CPU per request)', async () => (await import('./telemetry-levels.ts')).benchTelemetryLevels()],
  ['Tap sites with no tap attached (the places a tap can attach, around every stage)', async () => (await import('./tap-sites.ts')).benchTapSites()],
  ['DataDog encoding (series beside @datadog/datadog-api-client; sketches beside protobufjs)', async () => (await import('./datadog.ts')).benchDatadog()],
];

const results: { section: string; rows: Row[] }[] = [];
for (const [title, run] of sections) {
  const rows = await run();
  results.push({ section: title, rows });
  process.stdout.write(`\n## ${title}\n\n| measure | value | unit | compared |\n|---|---:|---|---|\n`);
  for (const r of rows) process.stdout.write(`| ${r.name} | ${r.value.toLocaleString('en-US')} | ${r.unit} | ${r.note ?? ''} |\n`);
}
const file = new URL('results.json', import.meta.url);
writeFileSync(file, `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, sections: results }, null, 2)}\n`);
process.stdout.write(`\nWritten to bench/results.json.\n`);
