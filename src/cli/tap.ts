import { parseArgs } from 'node:util';

export const TAP_USAGE = `Usage: switchyard tap --admin URL --pipeline ID (--after | --before) COMPONENT [--match REGEX] [--rate N] [--count N] [--json]

Watches a sample of the points passing a place in a metrics pipeline: after a receiver or processor,
before a processor or exporter. The gateway keeps at most --rate points a second (default 100) for the
tap and drops the rest rather than slow the pipeline; the drops are counted and shown.
  --admin URL        the gateway's admin endpoint (e.g. http://127.0.0.1:13133)
  --match REGEX      only metrics whose name matches
  --count N          stop after N points
  --json             print the gateway's events as JSON lines
Without --pipeline, lists every place a tap can attach. A gateway with nothing to tap yet (a reload,
workers restarting: it answers 503) is waited for, up to 15 s.
`;

interface Output {
  write(text: string): unknown;
}

interface TapEvent {
  type: 'tap' | 'point' | 'stats' | 'end';
  [key: string]: unknown;
}

function formatPoint(e: TapEvent): string {
  const labels = Object.entries((e.labels ?? {}) as Record<string, unknown>).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const value = typeof e.value === 'number' ? String(e.value) : JSON.stringify(e.value);
  const resource = Object.entries((e.resource ?? {}) as Record<string, unknown>).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${String(e.name)}{${labels.join(',')}} ${value}  [${resource.join(' ')}]\n`;
}

/** How long the tap waits for a gateway that has nothing to tap yet (503: a reload, workers restarting). */
const WAIT_UNAVAILABLE_MS = 15_000;

/** GET `url`; while the gateway answers 503 (it says when to retry), waits, saying so once, for up to WAIT_UNAVAILABLE_MS. */
async function fetchWaiting(url: URL, err: Output, signal: AbortSignal | undefined): Promise<Response> {
  const until = Date.now() + WAIT_UNAVAILABLE_MS;
  for (let said = false; ; said = true) {
    const res = await fetch(url, { headers: { accept: 'application/x-ndjson' }, signal });
    const retryMs = Math.max(100, Number(res.headers.get('retry-after') ?? 1) * 1000);
    if (res.status !== 503 || Date.now() + retryMs > until || signal?.aborted) return res;
    const { error } = (await res.json().catch(() => ({}))) as { error?: string };
    if (!said) err.write(`waiting: ${error ?? 'the gateway has nothing to tap yet'}\n`);
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}

/** `switchyard tap`: exit 0 when the stream ends, 1 when the gateway refuses the tap, 2 for a usage error. */
export async function tap(argv: string[], out: Output = process.stdout, err: Output = process.stderr, signal?: AbortSignal): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        admin: { type: 'string' },
        pipeline: { type: 'string' },
        after: { type: 'string' },
        before: { type: 'string' },
        match: { type: 'string' },
        rate: { type: 'string' },
        count: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
    if (values.help) return out.write(TAP_USAGE), 0;
    if (!values.admin) throw new Error('--admin URL is required');
    if (values.pipeline && !values.after === !values.before) throw new Error('give exactly one of --after COMPONENT or --before COMPONENT');
  } catch (error) {
    err.write(`${(error as Error).message}\n\n${TAP_USAGE}`);
    return 2;
  }
  const base = /^https?:\/\//.test(values.admin) ? values.admin : `http://${values.admin}`;
  const url = new URL('/tap', base);
  const params: Record<string, string | undefined> = { pipeline: values.pipeline, after: values.after, before: values.before, match: values.match, rate: values.rate, limit: values.count };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);

  let res: Response;
  try {
    res = await fetchWaiting(url, err, signal);
  } catch (error) {
    err.write(`cannot reach ${url.origin}: ${(error as Error).message}\n`);
    return 1;
  }
  if (!values.pipeline || !res.ok) {
    const body = (await res.json()) as { sites?: Record<string, string[]>; error?: string };
    if (!res.ok) return err.write(`switchyard tap: ${body.error ?? res.statusText}\n`), 1;
    for (const [pipeline, names] of Object.entries(body.sites ?? {})) out.write(`${pipeline}\n${names.map((n) => `  ${n}\n`).join('')}`);
    return 0;
  }

  let stats = { sampled: 0, dropped: 0 };
  let pending = '';
  const decoder = new TextDecoder();
  const handle = (line: string) => {
    if (line.trim() === '') return;
    const event = JSON.parse(line) as TapEvent;
    if (values.json) out.write(`${line}\n`);
    if (event.type === 'stats') stats = { sampled: Number(event.sampled), dropped: Number(event.dropped) };
    else if (event.type === 'tap' && !values.json) err.write(`tapping ${String(event.site)}\n`);
    else if (event.type === 'point' && !values.json) out.write(formatPoint(event));
    else if (event.type === 'end' && !values.json) err.write(`tap ended: ${String(event.reason)}\n`);
  };
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop()!;
      lines.forEach(handle);
    }
    handle(pending);
  } catch (error) {
    if (!signal?.aborted) {
      err.write(`the tap stream broke: ${(error as Error).message}\n`);
      return 1;
    }
  }
  err.write(`${stats.sampled} point(s) sampled, ${stats.dropped} dropped (over the rate, or the reader too slow)\n`);
  return 0;
}
