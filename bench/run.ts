/**
 * `npm run bench`: every performance figure of the project, each beside a peer or a baseline measured
 * in the same run on the same input. Quote the ratios: absolute figures move with the machine's load.
 */
import { benchDecode, type Row } from './decode.ts';
import { benchGateway } from './gateway.ts';
import { benchProcessors } from './processors.ts';
import { benchRemoteWrite } from './remote-write.ts';

const sections: [string, () => Promise<Row[]>][] = [
  ['OTLP decode (10,000-point metrics request)', benchDecode],
  ['Whole gateway', benchGateway],
  ['Prometheus remote-write encoding', benchRemoteWrite],
  ['Stateful processors (cardinality, ratio)', benchProcessors],
  ['Worker threads (switchyard run --workers)', async () => (await import('./workers.ts')).benchWorkers()],
  ['DataDog encoding (series beside @datadog/datadog-api-client; sketches beside protobufjs)', async () => (await import('./datadog.ts')).benchDatadog()],
];

for (const [title, run] of sections) {
  const rows = await run();
  process.stdout.write(`\n## ${title}\n\n| measure | value | unit | compared |\n|---|---:|---|---|\n`);
  for (const r of rows) process.stdout.write(`| ${r.name} | ${r.value.toLocaleString('en-US')} | ${r.unit} | ${r.note ?? ''} |\n`);
}
