// The tables beside the graph: exporters, memory limiters, cardinality processors. Each is found by
// what it reports (its kind, or the health details it sets), never by its type: the page knows no component.
import { ago, compact, el, setRows } from './dom.js';

export function renderPanels(doc) {
  renderExporters(doc);
  renderMemory(doc);
  renderCardinality(doc);
}

function renderExporters(doc) {
  const rows = doc.components
    .filter((c) => c.kind === 'exporter')
    .map((c) => {
      const d = c.details;
      const queue = d.queue_items ?? d.queue_batches ?? c.counts.queue;
      const age = d.queue_oldest_age_seconds;
      return el(
        'tr',
        { class: c.lastError ? 'failing' : '', 'data-exporter': c.id },
        el('td', { title: c.pipelines.join(', ') }, c.id),
        el('td', {}, c.state),
        el('td', {}, compact(queue)),
        el('td', {}, age === undefined ? '–' : `${age} s`),
        el('td', {}, compact(c.counts.sent)),
        el('td', {}, compact(c.counts.failed)),
        el('td', {}, ago(c.lastOk, doc.time)),
        el('td', { class: 'err', title: c.lastError?.time ?? '' }, c.lastError ? `${c.lastError.message} (${ago(c.lastError.time, doc.time)})` : ''),
      );
    });
  setRows(document.querySelector('#exporters tbody'), rows);
}

/** Memory limiters: every instance measures the same process, so one row per ID, with its pipelines. */
function renderMemory(doc) {
  const byId = new Map();
  for (const c of doc.components) if ('memory_used_mib' in c.details) byId.set(c.id, [...(byId.get(c.id) ?? []), c]);
  const root = document.getElementById('memory');
  if (byId.size === 0) return;
  const rows = [...byId].map(([id, all]) => {
    const d = all[0].details;
    const refusing = all.some((c) => c.details.refusing);
    const share = Math.min(100, Math.round((100 * d.memory_used_mib) / d.memory_hard_limit_mib));
    return el(
      'tr',
      { class: refusing ? 'failing' : '', 'data-memory-limiter': id },
      el('td', { title: all.map((c) => c.pipelines.join(', ')).join('; ') }, id),
      el('td', {}, refusing ? 'refusing data' : 'accepting'),
      el('td', {}, el('span', { class: 'bar' }, el('span', { style: `width:${share}%` })), ` ${d.memory_used_mib} MiB`),
      el('td', {}, `${d.memory_soft_limit_mib} / ${d.memory_hard_limit_mib} MiB`),
      el('td', {}, compact(all.reduce((n, c) => n + c.counts.refused, 0))),
    );
  });
  let table = root.querySelector('table');
  if (!table) root.replaceChildren((table = table_(['limiter', 'state', 'in use', 'soft / hard', 'refused'])));
  root.classList.remove('muted');
  setRows(table.tBodies[0], rows);
}

/** Cardinality processors (those reporting `series_by_metric`): series per metric, and the labels that overflow. */
function renderCardinality(doc) {
  const all = doc.components.filter((c) => Array.isArray(c.details.series_by_metric));
  const root = document.getElementById('cardinality');
  if (all.length === 0) return;
  root.classList.remove('muted');
  const blocks = all.map((c) => {
    const series = c.details.series_by_metric.slice(0, 10).map((s) => el('tr', {}, el('td', {}, s.metric), el('td', {}, compact(s.series))));
    const top = (c.details.top_labels ?? []).map((t) => el('tr', {}, el('td', {}, t.metric), el('td', {}, t.label), el('td', {}, `${t.distinct_values}${t.capped ? '+' : ''}`)));
    return el(
      'div',
      { class: 'card', 'data-cardinality': `${c.id}|${c.pipelines.join(',')}` },
      el('h3', {}, c.id, el('small', { class: 'muted' }, ` in ${c.pipelines.join(', ')} · ${compact(c.counts.dropped)} dropped`)),
      withRows(table_(['metric', 'series']), series.length ? series : [el('tr', {}, el('td', { colspan: 2, class: 'muted' }, 'no series yet'))]),
      withRows(table_(['over the limit: metric', 'label', 'distinct values']), top.length ? top : [el('tr', {}, el('td', { colspan: 3, class: 'muted' }, 'no metric over its limit'))]),
    );
  });
  const key = blocks.map((b) => b.textContent).join('\n');
  if (root.dataset.key === key) return;
  root.dataset.key = key;
  root.replaceChildren(...blocks);
}

function table_(headers) {
  return el('table', {}, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))), el('tbody'));
}

function withRows(table, rows) {
  table.tBodies[0].append(...rows);
  return table;
}
