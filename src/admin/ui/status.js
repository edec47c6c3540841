// The status page: polls /status.json every second and redraws only what changed (no page reload).
// With `service.admin.auth`, the token comes from the `#token=` fragment or the form, is kept for this
// tab (sessionStorage) and sent as `Authorization: Bearer` with every data request.
import { ago } from './dom.js';
import { PipelineGraph } from './graph.js';
import { renderPanels } from './panels.js';
import { TapPanel } from './tap.js';

const POLL_MS = 1000;
const TOKEN_KEY = 'switchyard-admin-token';

let token = takeToken();
const headers = () => (token ? { authorization: `Bearer ${token}` } : {});
const tap = new TapPanel(headers);
const graph = new PipelineGraph(document.getElementById('pipelines'), (pipeline, place) => tap.pick(pipeline, place));
let previous;
let generation;
let timer;

/** A `#token=` fragment moves to sessionStorage and leaves the address bar (and the history). */
function takeToken() {
  const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

async function tick() {
  clearTimeout(timer);
  const error = document.getElementById('error');
  try {
    const res = await fetch('/status.json', { headers: headers(), cache: 'no-store' });
    if (res.status === 401) return askForToken(token ? 'the token was refused' : '');
    if (!res.ok) throw new Error(`/status.json answered ${res.status}`);
    const doc = await res.json();
    document.getElementById('auth').hidden = true;
    error.hidden = true;
    render(doc);
  } catch (e) {
    error.textContent = `Cannot read the gateway's status: ${e.message}. Retrying.`;
    error.hidden = false;
  }
  timer = setTimeout(tick, POLL_MS);
}

function render(doc) {
  document.getElementById('version').textContent = doc.version;
  const badge = document.getElementById('status');
  badge.textContent = doc.status;
  badge.className = `badge ${doc.status}`;
  const c = doc.config;
  document.getElementById('config').textContent = c ? `config #${c.generation} (${c.digest}) loaded ${ago(c.loaded_at, doc.time)}` : '';
  const reload = document.getElementById('reload');
  const r = c?.last_reload;
  reload.textContent = r ? `last reload ${ago(r.time, doc.time)}: ${r.ok ? 'took' : `refused: ${r.error}`}` : 'no reload yet';
  reload.className = r && !r.ok ? 'error' : 'muted';
  document.getElementById('updated').textContent = `up ${doc.uptime_seconds} s`;
  graph.update(doc, previous);
  renderPanels(doc);
  if (c?.generation !== generation) {
    generation = c?.generation;
    void tap.load();
  }
  previous = doc;
}

function askForToken(why) {
  const form = document.getElementById('auth');
  form.hidden = false;
  document.getElementById('auth-error').textContent = why;
  document.getElementById('token').focus();
}

document.getElementById('auth').addEventListener('submit', (e) => {
  e.preventDefault();
  token = document.getElementById('token').value.trim();
  sessionStorage.setItem(TOKEN_KEY, token);
  generation = undefined;
  void tick();
});
document.getElementById('filter').addEventListener('input', (e) => graph.filter(e.target.value));
document.getElementById('expand').addEventListener('click', () => graph.setOpen(true));
document.getElementById('collapse').addEventListener('click', () => graph.setOpen(false));
void tick();
