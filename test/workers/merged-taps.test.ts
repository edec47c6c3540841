import { describe, expect, it } from 'vitest';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import { TapError, TapRegistry, type TapSite } from '../../src/pipeline/tap.ts';
import { WorkerTapSource } from '../../src/workers/merged-taps.ts';
import type { WorkerRequest } from '../../src/workers/protocol.ts';
import { WorkerTaps } from '../../src/workers/worker-taps.ts';
import { eventually } from '../helpers/prometheus-server.ts';

function batch(service: string, name: string, n: number): MetricsBatch {
  return {
    resourceMetrics: [{
      resource: { attributes: { 'service.name': service } },
      schemaUrl: '',
      scopeMetrics: [{ scope: { name: 's', version: '', attributes: {} }, schemaUrl: '', metrics: [{ name, description: '', unit: '1', type: 'gauge' as const, points: Array.from({ length: n }, (_, i) => ({ attributes: { i }, startTimeUnixNano: 0, timeUnixNano: 1, flags: 0, value: i })) }] }],
    }],
  };
}

/**
 * Two workers in one thread: each its own tap registry (one site, `before e` of pipeline `metrics`) and
 * its WorkerTaps, whose messages go straight to the main thread's WorkerTapSource, as over a port.
 */
function twoWorkers() {
  let source: WorkerTapSource;
  const workers = [0, 1].map((index) => {
    const registry = new TapRegistry();
    const site: TapSite = registry.site('metrics', ['before e'], { consumeMetrics: async () => undefined });
    let running = true;
    const taps = new WorkerTaps(() => (running ? registry : undefined), (m) => source.receive(index, m));
    return { index, registry, site, taps, stop: () => ((running = false), registry.closeAll('the pipelines stopped (a shutdown or a reload)')) };
  });
  const detached: number[] = [];
  const handle = (index: number, m: WorkerRequest): unknown => {
    const w = workers[index]!;
    switch (m.type) {
      case 'tap-list':
        return w.registry.list();
      case 'tap-attach':
        return w.taps.attach(m.tap, m.where, m.options);
      case 'tap-detach':
        detached.push(index);
        return w.taps.detach(m.tap);
      default:
        throw new Error(`unexpected ${m.type}`);
    }
  };
  source = new WorkerTapSource({ running: () => [0, 1], request: async (i, m) => handle(i, m) });
  return { source, workers, detached };
}

const where = { pipeline: 'metrics', position: 'before' as const, component: 'e' };

describe('taps of --workers N, merged in the main thread', () => {
  it('shows the points of every worker in one stream', async () => {
    const { source, workers } = twoWorkers();
    const tap = await source.attach(where, { pointsPerSecond: 100, bufferPoints: 100 });
    void workers[0]!.site.consumeMetrics(batch('svc-a', 'm', 2));
    void workers[1]!.site.consumeMetrics(batch('svc-b', 'm', 3));
    const seen: string[] = [];
    await eventually(async () => {
      seen.push(...tap.take().map((p) => String(p.resource['service.name'])));
      return seen.length === 5 ? true : undefined;
    }, 5000, 'the points of both workers');
    expect(seen.sort()).toEqual(['svc-a', 'svc-a', 'svc-b', 'svc-b', 'svc-b']);
    expect(tap.site).toBe('metrics before e');
    tap.close('done');
  });

  it('keeps the tap’s rate over all workers together, and counts every worker’s drops', async () => {
    const { source, workers } = twoWorkers();
    const tap = await source.attach(where, { pointsPerSecond: 4, bufferPoints: 100 });
    void workers[0]!.site.consumeMetrics(batch('a', 'm', 10));
    void workers[1]!.site.consumeMetrics(batch('b', 'm', 10));
    // Each worker kept 4 and dropped 6; the main thread keeps 4 of the 8 it got.
    await eventually(async () => (tap.sampled + tap.dropped === 20 ? true : undefined), 5000, 'both workers’ counts arrived');
    expect({ sampled: tap.sampled, dropped: tap.dropped }).toEqual({ sampled: 4, dropped: 16 });
    expect(tap.take()).toHaveLength(4);
    const listing = await source.list();
    expect(listing).toEqual({ sites: { metrics: ['before e'] }, taps: [{ site: 'metrics before e', sampled: 4, dropped: 16 }] });
    tap.close('done');
  });

  it('refuses a place the pipelines do not have, with the workers’ message, and leaves no part attached', async () => {
    const { source } = twoWorkers();
    await expect(source.attach({ ...where, component: 'nope' }, { pointsPerSecond: 1, bufferPoints: 1 })).rejects.toThrow(TapError);
    await expect(source.attach({ ...where, component: 'nope' }, { pointsPerSecond: 1, bufferPoints: 1 })).rejects.toThrow('pipeline "metrics" has no place "before nope"; it has: before e');
    expect((await source.list()).taps).toEqual([]);
  });

  it('detaches every worker’s part when the reader leaves', async () => {
    const { source, workers, detached } = twoWorkers();
    const tap = await source.attach(where, { pointsPerSecond: 10, bufferPoints: 10 });
    expect(workers.map((w) => w.registry.attached().length)).toEqual([1, 1]);
    tap.close('the reader left');
    expect(detached.sort()).toEqual([0, 1]);
    await eventually(async () => (workers.every((w) => w.registry.attached().length === 0) ? true : undefined), 2000, 'the parts detached');
  });

  it('ends the tap, saying why, when a worker’s pipelines stop (a reload) or a worker exits', async () => {
    const { source, workers } = twoWorkers();
    const reloaded = await source.attach(where, { pointsPerSecond: 10, bufferPoints: 10 });
    workers[1]!.stop();
    await eventually(async () => (reloaded.closed ? true : undefined), 5000, 'the tap closed');
    expect(reloaded.closed).toBe('the pipelines stopped (a shutdown or a reload)');

    const { source: other } = twoWorkers();
    const crashed = await other.attach(where, { pointsPerSecond: 10, bufferPoints: 10 });
    other.workerExited(0);
    expect(crashed.closed).toBe('worker 0 exited; attach the tap again');
  });
});
