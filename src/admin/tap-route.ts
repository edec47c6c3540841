import type { IncomingMessage, ServerResponse } from 'node:http';
import { TapError, TapUnavailableError, type TapSource, type TapStream } from '../pipeline/tap.ts';

const DEFAULT_RATE = 100;
const MAX_RATE = 10_000;
const BUFFER_POINTS = 1000;
const STATS_EVERY_MS = 1000;

type Reply = (status: number, body: unknown) => void;

function parsePositive(value: string | null, name: string, max: number): number | undefined {
  if (value === null) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new TapError(`${name} must be a whole number from 1 to ${max}, not "${value}"`);
  return n;
}

/**
 * `GET /tap`: the places a tap can attach, by pipeline, and the taps attached now with their counts. `GET /tap?pipeline=ID&after=COMPONENT` (or
 * `before=`), with `match=REGEX` (metric names), `rate=N` (points a second, default 100) and `limit=N`
 * (end after N points): a stream of JSON events, one per line (`application/x-ndjson`), or server-sent
 * events when the client accepts `text/event-stream`. Events: `tap` (where), `point` (name, type, unit,
 * labels, value, resource, time), `stats` (sampled and dropped so far, every second), `end` (why).
 */
export async function serveTap(req: IncomingMessage, res: ServerResponse, taps: TapSource | undefined, reply: Reply): Promise<void> {
  // Nothing to tap for now (the pipelines stopped, no worker runs): 503 with Retry-After, the client retries; a wrong request is 400.
  const unavailable = (error: string) => (res.setHeader('Retry-After', '1'), reply(503, { error }));
  if (!taps) return unavailable('the pipelines are not running');
  const q = new URL(req.url ?? '/', 'http://admin').searchParams;
  const pipeline = q.get('pipeline');
  if (pipeline === null) {
    try {
      return reply(200, await taps.list());
    } catch (error) {
      if (!(error instanceof TapUnavailableError)) throw error;
      return unavailable(error.message);
    }
  }

  let tap: TapStream;
  let limit: number | undefined;
  try {
    const after = q.get('after');
    const before = q.get('before');
    if ((after === null) === (before === null)) throw new TapError('give exactly one of after=COMPONENT or before=COMPONENT');
    let match: RegExp | undefined;
    const source = q.get('match');
    if (source !== null) {
      try {
        match = new RegExp(source);
      } catch (error) {
        throw new TapError(`match is not a valid regular expression: ${(error as Error).message}`);
      }
    }
    const pointsPerSecond = parsePositive(q.get('rate'), 'rate', MAX_RATE) ?? DEFAULT_RATE;
    limit = parsePositive(q.get('limit'), 'limit', Number.MAX_SAFE_INTEGER);
    tap = await taps.attach({ pipeline, position: after !== null ? 'after' : 'before', component: (after ?? before)! }, { match, pointsPerSecond, bufferPoints: BUFFER_POINTS });
  } catch (error) {
    if (error instanceof TapUnavailableError) return unavailable(error.message);
    if (!(error instanceof TapError)) throw error;
    return reply(400, { error: error.message });
  }
  await stream(req, res, tap, limit);
}

async function stream(req: IncomingMessage, res: ServerResponse, tap: TapStream, limit: number | undefined): Promise<void> {
  const sse = (req.headers.accept ?? '').includes('text/event-stream');
  res.writeHead(200, { 'Content-Type': sse ? 'text/event-stream' : 'application/x-ndjson', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
  res.on('close', () => tap.close('the reader left'));
  const write = (event: Record<string, unknown>): boolean => res.write(sse ? `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n` : `${JSON.stringify(event)}\n`);
  // A slow reader: wait for its socket to drain; meanwhile the tap keeps at most its buffer and drops the rest.
  const drained = () => new Promise<void>((resolve) => {
    const done = () => (res.off('drain', done), res.off('close', done), resolve());
    res.once('drain', done);
    res.once('close', done);
  });

  write({ type: 'tap', site: tap.site });
  let sent = 0;
  let lastStats = Date.now();
  while (!tap.closed) {
    await tap.waitForPoints(STATS_EVERY_MS);
    for (const point of tap.take()) {
      if (limit !== undefined && sent >= limit) break;
      sent++;
      if (!write({ type: 'point', ...point })) await drained();
    }
    if (limit !== undefined && sent >= limit) tap.close(`the limit of ${limit} point(s) was reached`);
    if (Date.now() - lastStats >= STATS_EVERY_MS || tap.closed) {
      lastStats = Date.now();
      write({ type: 'stats', sampled: tap.sampled, dropped: tap.dropped });
    }
  }
  if (!res.destroyed) {
    write({ type: 'end', reason: tap.closed });
    res.end();
  }
}
