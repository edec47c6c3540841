import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FileLog } from '../../src/exporterhelper/file-log.ts';
import { QueuedSender, queuedSenderSchema } from '../../src/exporterhelper/queued-sender.ts';
import { SendError } from '../../src/exporterhelper/retry.ts';
import { eventually } from '../helpers/prometheus-server.ts';
import { silentSettings } from '../helpers/silent-settings.ts';
import { tempFiles } from '../helpers/temp-files.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const configSchema = z.object(queuedSenderSchema);

/** Settings whose log lines are kept, parsed. */
function recordingSettings() {
  const settings = silentSettings('prometheusremotewrite');
  const lines: { level: number; msg: string }[] = [];
  settings.logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { settings, lines };
}

/** A sender of strings through `send`, one item per request, with `config` over quick defaults. */
function senderWith(send: (items: string[]) => Promise<void>, config: Record<string, unknown> = {}, settings = silentSettings('prometheusremotewrite')) {
  const sender = new QueuedSender<string>(settings, configSchema.parse({ max_samples_per_send: 1, batch_send_deadline: '1ms', num_consumers: 1, retry_on_failure: { initial_interval: '10ms', randomization_factor: 0 }, ...config }), {
    codec: { encode: (items) => Buffer.from(JSON.stringify(items)), decode: (payload) => JSON.parse(payload.toString()) as string[] },
    shardKey: (item) => item,
    send,
  });
  return { sender, settings };
}

/** A send that hangs until `release()`, counting the calls. */
function gatedSend() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const calls: string[][] = [];
  return { send: async (items: string[]) => (calls.push(items), gate), release, calls };
}

const details = (settings: ReturnType<typeof silentSettings>) => JSON.parse(JSON.stringify(settings.details)) as Record<string, number>;

function queueDir(): string {
  const t = tempFiles({});
  cleanups.push(t.cleanup);
  return join(t.dir, 'queue');
}

describe('queued sender', () => {
  it('logs each distinct refusal once, remembering the last 100 distinct ones', async () => {
    const { settings, lines } = recordingSettings();
    const { sender } = senderWith(async (items) => {
      throw new SendError(`refused ${items[0]}`, false, 'http_400');
    }, {}, settings);
    sender.start();
    const others = Array.from({ length: 100 }, (_, i) => `e${i}`);
    for (const item of ['x', 'x', ...others, 'x']) sender.accept([item]);
    await sender.shutdown();
    const logged = lines.filter((l) => l.msg.startsWith('Dropped items: refused ')).map((l) => l.msg.slice('Dropped items: refused '.length));
    // x once, then 100 others push it out of memory, so the third x is logged again.
    expect(logged).toEqual(['x', ...others, 'x']);
    expect(await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_exporter_failed_points_total')).toContain('reason="http_400"} 103');
  });

  it('reports the age of the oldest item not yet delivered, while it is being sent, read fresh each time', async () => {
    const gated = gatedSend();
    const { sender, settings } = senderWith(gated.send);
    sender.start();
    sender.accept(['a']);
    await eventually(async () => (gated.calls.length === 1 ? true : undefined), 2_000, 'send in flight');
    // Nothing changes in the queue from here on: the figures must still grow.
    const age = await eventually(async () => {
      const seconds = details(settings).queue_oldest_age_seconds!;
      return seconds >= 0.3 ? seconds : undefined;
    }, 3_000, '/health/detailed age at 0.3 s');
    expect(details(settings).queue_items).toBe(1);
    const metric = await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_exporter_queue_oldest_age_seconds');
    expect(Number(/ (\S+)$/.exec(metric.trim())![1])).toBeGreaterThanOrEqual(age);
    gated.release();
    await sender.shutdown();
    expect(details(settings)).toMatchObject({ queue_items: 0, queue_oldest_age_seconds: 0 });
  });

  it('reports queue_items and the queue-size gauge as the total over all senders of one component, not the last one', async () => {
    // The nats exporter has a sender per signal, loadbalancing one per backend and signal, on one health entry.
    const first = gatedSend();
    const second = gatedSend();
    const a = senderWith(first.send, { max_samples_per_send: 10, batch_send_deadline: '1h' });
    const b = senderWith(second.send, { max_samples_per_send: 10, batch_send_deadline: '1h' }, a.settings);
    a.sender.start();
    b.sender.start();
    a.sender.accept(['a1', 'a2', 'a3']);
    b.sender.accept(['b1', 'b2']);
    expect(details(a.settings).queue_items).toBe(5);
    const gauge = async () => Number(/ (\S+)$/.exec((await a.settings.selfMetrics.registry.getSingleMetricAsString('switchyard_exporter_queue_size')).trim())![1]);
    expect(await gauge()).toBe(5);
    // One sender gone (a backend that left): the other's items alone.
    const closing = a.sender.shutdown();
    first.release();
    await closing;
    expect(details(a.settings).queue_items).toBe(2);
    expect(await gauge()).toBe(2);
    second.release();
    await b.sender.shutdown();
    expect(details(a.settings).queue_items).toBe(0);
  });

  it('ages replayed items from when they were first accepted, not from the restart', async () => {
    const directory = queueDir();
    const gated = gatedSend();
    const first = senderWith(gated.send, { sending_queue: { storage: { directory } } });
    first.sender.start();
    first.sender.accept(['a']);
    const acceptedAt = Date.now();
    await eventually(async () => (Date.now() - acceptedAt >= 300 ? true : undefined), 2_000, '300 ms later');
    // A second sender on the same directory, as after a crash of the first.
    const second = senderWith(gated.send, { sending_queue: { storage: { directory } } });
    second.sender.start();
    expect(details(second.settings).queue_oldest_age_seconds).toBeGreaterThanOrEqual(0.3);
    gated.release();
    await Promise.all([first.sender.shutdown(), second.sender.shutdown()]);
  });

  it('cuts off a torn last record, counts it, and resends the records before it', async () => {
    const directory = queueDir();
    const gated = gatedSend();
    const first = senderWith(gated.send, { sending_queue: { storage: { directory } } });
    first.sender.start();
    first.sender.accept(['a']);
    first.sender.accept(['b']);
    const segment = join(directory, readdirSync(directory).find((f) => f.startsWith('seg-'))!);
    appendFileSync(segment, Buffer.from([40, 0, 0, 0, 1, 2, 3, 4, 1, 2, 3])); // a header promising 40 bytes, 3 written
    const delivered: string[] = [];
    const second = senderWith(async (items) => void delivered.push(...items), { sending_queue: { storage: { directory } } });
    second.sender.start();
    await second.sender.shutdown();
    expect(delivered).toEqual(['a', 'b']);
    expect(await second.settings.selfMetrics.registry.getSingleMetricAsString('switchyard_exporter_failed_points_total')).toContain('reason="torn_record"} 1');
    gated.release();
    await first.sender.shutdown();
  });

  it('skips and counts a persisted record it cannot decode, instead of failing to start', async () => {
    const directory = queueDir();
    const { log } = FileLog.open(directory);
    log.append(Buffer.concat([Buffer.from([1]), Buffer.alloc(8), Buffer.from('not json')]));
    log.append(Buffer.concat([Buffer.from([1]), Buffer.alloc(8), Buffer.from('["ok"]')]));
    log.close();
    const delivered: string[] = [];
    const { sender, settings } = senderWith(async (items) => void delivered.push(...items), { sending_queue: { storage: { directory } } });
    sender.start();
    await sender.shutdown();
    expect(delivered).toEqual(['ok']);
    expect(await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_exporter_failed_points_total')).toContain('reason="undecodable_record"} 1');
    const reopened = FileLog.open(directory);
    expect(reopened.pending).toEqual([]);
    reopened.log.close();
  });
});
