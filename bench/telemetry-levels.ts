/**
 * What `service.telemetry.metrics.level` costs on the hot path: CPU per request of the whole gateway
 * (in process, OTLP/HTTP protobuf → prometheus exporter) at `none`, `basic`, `normal` and `detailed`,
 * on the same Prompter-shaped request. The levels run in turn, round after round (each round starting
 * one level further on), and each level's median is kept, so the machine's load drifts over all alike.
 * Beside it, the receiver's per-request events alone (what a level changes per request), timed directly.
 */
import { componentTelemetry } from '../src/telemetry/component-telemetry.ts';
import { SelfMetrics } from '../src/telemetry/self-metrics.ts';
import { rate, type Row } from './decode.ts';
import { GATEWAY_CONFIG, measureGateway } from './gateway.ts';
import { prompterRequest } from './prompter-request.ts';

const LEVELS = ['none', 'basic', 'normal', 'detailed'] as const;
const ROUNDS = 8;
const REQUESTS = 300;

function withLevel(level: string): string {
  return GATEWAY_CONFIG.replace('  pipelines:\n', `  telemetry:\n    metrics: { level: ${level} }\n  pipelines:\n`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function benchTelemetryLevels(): Promise<Row[]> {
  const body = await prompterRequest();
  const cpuUsPerRequest = new Map<string, number[]>(LEVELS.map((l) => [l, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const level of LEVELS.map((_, i) => LEVELS[(i + round) % LEVELS.length]!)) {
      const figures = await measureGateway(withLevel(level), `level ${level}`, body, REQUESTS);
      cpuUsPerRequest.get(level)!.push((body.points / figures.pointsPerCpuSecond) * 1e6);
    }
  }
  const cost = (level: string) => median(cpuUsPerRequest.get(level)!);
  const spread = (level: string) => `${Math.round(Math.min(...cpuUsPerRequest.get(level)!))}–${Math.round(Math.max(...cpuUsPerRequest.get(level)!))}`;
  const events = LEVELS.map((level) => 1e9 / eventsRate(level));
  return [...LEVELS.map((level) => ({
    name: `metrics level ${level}: CPU per request, Prompter-shaped request of ${body.points.toLocaleString('en-US')} points, median of ${ROUNDS} rounds of ${REQUESTS}`,
    key: `telemetry_level_${level}_cpu_us_per_request`,
    value: Math.round(cost(level)),
    unit: 'µs CPU/request',
    ratio: cost(level) / cost('none'),
    note: `${(cost(level) / cost('none')).toFixed(3)}× level none; rounds ${spread(level)} µs`,
  })),
  {
    name: 'the receiver’s per-request telemetry events alone (requestTimer, requestSize, accepted, end), at none / basic / normal / detailed',
    key: 'telemetry_level_events_ns_per_request',
    value: Math.round(events[3]!),
    unit: 'ns CPU/request (detailed)',
    ratio: events[3]! / events[2]!,
    // The loop's own CPU-clock read is in every figure alike: the difference is what detailed adds.
    note: `${events.map((ns) => Math.round(ns)).join(' / ')} ns (the timing loop's own clock read included in each); detailed adds ${Math.round(events[3]! - events[2]!)} ns per request over normal, ${((events[3]! - events[2]!) / (cost('normal') * 1000)).toExponential(1)} of a request's CPU`,
  }];
}

/** Calls per CPU-second of what the OTLP receiver reports for one request, at `level`. */
function eventsRate(level: (typeof LEVELS)[number]): number {
  const self = new SelfMetrics({ processMetrics: false });
  self.level = level;
  const telemetry = componentTelemetry(self, 'otlp');
  return rate(() => {
    const timer = telemetry.requestTimer('metrics', 'http');
    telemetry.requestSize('metrics', 'http', 60_000);
    telemetry.accepted('metrics', 'http', 1_216);
    timer.end();
  });
}
