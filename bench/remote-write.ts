/**
 * Remote-write encoding of the samples of 10,000 series (the bench request through the shared
 * OTLP→Prometheus state): our hand-written protobuf + the `snappy` binding, against the
 * `prometheus-remote-write` npm package (protobufjs + snappyjs) on the same samples.
 */
import { createRequire } from 'node:module';
import { compressSync } from 'snappy';
import { encodeWriteRequest } from '../exporters/prometheusremotewrite/write-request.ts';
import { decodeMetricsProto } from '../src/otlp/decode/index.ts';
import { CumulativeState } from '../src/translate/cumulative-state.ts';
import { seriesSamples, type PromSample } from '../src/translate/prometheus-samples.ts';
import { benchRequest, type Row } from './decode.ts';

interface PeerWriteRequest {
  timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }[];
}
const require = createRequire(import.meta.url);
const peer = require('prometheus-remote-write') as { serialize(w: PeerWriteRequest): Promise<Uint8Array>; deserialize(b: Uint8Array): Promise<PeerWriteRequest> };
const SnappyJS = require('snappyjs') as { compress(b: Uint8Array): Uint8Array };

async function ratePerSecond(fn: () => Promise<unknown> | unknown, ms = 1500): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) {
    await fn();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

export async function benchRemoteWrite(): Promise<Row[]> {
  const { proto } = await benchRequest();
  const state = new CumulativeState({ addMetricSuffixes: true, resourceToTelemetry: false, constLabels: {} });
  const samples: PromSample[] = [];
  state.apply(decodeMetricsProto(proto).batch, Date.now(), (f, s) => samples.push(...seriesSamples(f, s, Math.round(s.timeUnixNano / 1e6))));
  const peerRequest: PeerWriteRequest = { timeseries: samples.map((s) => ({ labels: s.labels.map(([name, value]) => ({ name, value })), samples: [{ value: s.value, timestamp: s.timestampMs }] })) };

  const ours = () => compressSync(encodeWriteRequest(samples), { copyOutputData: true } as never) as Buffer;
  const theirs = async () => SnappyJS.compress(await peer.serialize(peerRequest));
  // Parity: the peer's own decoder reads our bytes back to the same series.
  const back = await peer.deserialize(encodeWriteRequest(samples));
  if (back.timeseries.length !== samples.length) throw new Error(`parity: ${back.timeseries.length} series decoded, ${samples.length} sent`);

  const oursRate = (await ratePerSecond(ours)) * samples.length;
  const peerRate = (await ratePerSecond(theirs)) * samples.length;
  const oursBytes = ours().length / samples.length;
  const peerBytes = (await theirs()).length / samples.length;
  return [
    { name: 'remote-write encode + snappy (ours)', value: Math.round(oursRate), unit: 'series/s', note: `${(oursRate / peerRate).toFixed(2)}× prometheus-remote-write; ${samples.length} series of 1 sample` },
    { name: 'remote-write encode + snappy (prometheus-remote-write: protobufjs + snappyjs)', value: Math.round(peerRate), unit: 'series/s' },
    { name: 'compressed bytes per sample (ours)', value: Number(oursBytes.toFixed(1)), unit: 'B/sample', note: `peer ${peerBytes.toFixed(1)} B/sample` },
  ];
}
