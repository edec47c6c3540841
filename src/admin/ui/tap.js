// The tap in the page: pick a metrics pipeline and a place, watch a sample of the points passing there.
// It reads GET /tap's server-sent events with fetch, not EventSource, so it can send the admin token.
import { el } from './dom.js';

const SHOWN = 100;

export class TapPanel {
  constructor(headers) {
    this.headers = headers;
    this.sites = {};
    this.running = undefined;
    this.pipeline = document.getElementById('tap-pipeline');
    this.place = document.getElementById('tap-place');
    this.stats = document.getElementById('tap-stats');
    this.rows = document.querySelector('#tap-points tbody');
    this.pipeline.addEventListener('change', () => this.fillPlaces());
    document.getElementById('tap-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.start();
    });
    document.getElementById('tap-stop').addEventListener('click', () => this.stop('stopped'));
  }

  /** The places taps can attach, by pipeline (GET /tap); read again when the config changes. */
  async load() {
    const res = await fetch('/tap', { headers: this.headers() });
    if (!res.ok) return;
    this.sites = (await res.json()).sites;
    const keep = this.pipeline.value;
    this.pipeline.replaceChildren(...Object.keys(this.sites).map((p) => el('option', { value: p }, p)));
    if (keep in this.sites) this.pipeline.value = keep;
    this.fillPlaces();
  }

  fillPlaces() {
    const keep = this.place.value;
    const places = this.sites[this.pipeline.value] ?? [];
    this.place.replaceChildren(...places.map((p) => el('option', { value: p }, p)));
    if (places.includes(keep)) this.place.value = keep;
  }

  /** Picks a place (an arrow clicked in the graph) and starts watching it. */
  pick(pipeline, place) {
    this.pipeline.value = pipeline;
    this.fillPlaces();
    this.place.value = place;
    void this.start();
    document.getElementById('tap').scrollIntoView({ behavior: 'smooth' });
  }

  async start() {
    this.stop();
    const [position, ...component] = this.place.value.split(' ');
    const q = new URLSearchParams({ pipeline: this.pipeline.value, [position]: component.join(' '), rate: '20' });
    const match = document.getElementById('tap-match').value.trim();
    if (match) q.set('match', match);
    const abort = new AbortController();
    this.running = abort;
    this.rows.replaceChildren();
    document.getElementById('tap-stop').disabled = false;
    this.stats.textContent = 'attaching…';
    try {
      const res = await fetch(`/tap?${q}`, { headers: { ...this.headers(), accept: 'text/event-stream' }, signal: abort.signal });
      if (!res.ok) throw new Error((await res.json()).error ?? `the tap answered ${res.status}`);
      await readEvents(res.body, (event) => this.show(event));
    } catch (error) {
      if (!abort.signal.aborted) this.stats.textContent = `tap failed: ${error.message}`;
    } finally {
      if (this.running === abort) this.stop();
    }
  }

  stop(why) {
    this.running?.abort();
    this.running = undefined;
    document.getElementById('tap-stop').disabled = true;
    if (why) this.stats.textContent += ` (${why})`;
  }

  show(event) {
    if (event.type === 'tap') this.stats.textContent = `tapping ${event.site}`;
    else if (event.type === 'stats') this.stats.textContent = `${this.stats.textContent.split(' · ')[0]} · ${event.sampled} sampled, ${event.dropped} dropped`;
    else if (event.type === 'end') this.stats.textContent += ` · ended: ${event.reason}`;
    else if (event.type === 'point') {
      const labels = Object.entries(event.labels).map(([k, v]) => `${k}="${v}"`).join(', ');
      const resource = event.resource['service.name'] ?? Object.values(event.resource).join(' ');
      const value = typeof event.value === 'object' ? JSON.stringify(event.value) : String(event.value);
      this.rows.prepend(el('tr', { 'data-metric': event.name }, el('td', {}, event.name), el('td', {}, labels), el('td', {}, value), el('td', {}, resource)));
      while (this.rows.rows.length > SHOWN) this.rows.lastElementChild.remove();
    }
  }
}

/** Calls `onEvent` with each server-sent event's data (JSON) until the stream ends. */
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (data) onEvent(JSON.parse(data));
    }
  }
}
