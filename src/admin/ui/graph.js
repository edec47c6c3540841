// The pipelines drawn from the running config: receivers → processors → exporters, one collapsible
// block per pipeline, every arrow with its rate and losses. Built once per topology, then only the
// numbers change on each tick, so the page never flickers or loses what was open.
import { compact, el } from './dom.js';

/** Past this many pipelines they start collapsed: the summary lines stay readable at 200 components. */
const OPEN_UP_TO = 6;

export class PipelineGraph {
  constructor(root, onPickPlace) {
    this.root = root;
    this.onPickPlace = onPickPlace;
    this.shape = '';
    /** [element, `kind:id|pipeline`, `kind:id`]: a processor is found by the first, the rest by either. */
    this.nodes = [];
    this.edges = new Map();
    this.summaries = new Map();
  }

  /** Draws `doc` (rates from the difference with `prev`, the document before it). */
  update(doc, prev) {
    const shape = JSON.stringify(doc.pipelines.map((p) => [p.id, p.receivers, p.processors, p.exporters]));
    if (shape !== this.shape) this.build(doc);
    this.shape = shape;
    const byKey = componentIndex(doc.components);
    for (const [node, inPipeline, anywhere] of this.nodes) fillNode(node, byKey.get(inPipeline) ?? byKey.get(anywhere));
    for (const p of doc.pipelines) {
      const before = prev?.pipelines.find((q) => q.id === p.id);
      let inRate = null;
      let lost = 0;
      for (const e of p.edges) {
        const r = rate(e, before?.edges.find((x) => x.place === e.place), doc.time - (prev?.time ?? 0));
        fillEdge(this.edges.get(`${p.id}|${e.place}`), e, r);
        if (e.place.startsWith('after ') && e.from !== null && p.receivers.includes(e.from) && r !== null) inRate = (inRate ?? 0) + r;
        lost += e.refused + e.dropped + e.failed;
      }
      const errors = stagesOf(p).filter(([kind, id]) => (byKey.get(`${kind}:${id}|${p.id}`) ?? byKey.get(`${kind}:${id}`) ?? byKey.get(`connector:${id}`))?.lastError).length;
      const s = this.summaries.get(p.id);
      if (s) s.textContent = `${compact(inRate)} /s in · ${compact(lost)} lost${errors ? ` · ${errors} failing` : ''}`;
      s?.classList.toggle('error', errors > 0);
    }
  }

  /** Shows only the pipelines whose ID or a component's matches `text`. */
  filter(text) {
    const t = text.trim().toLowerCase();
    for (const block of this.root.children) {
      const hit = !t || block.dataset.search.includes(t);
      block.hidden = !hit;
      if (t && hit) block.open = true;
    }
  }

  setOpen(open) {
    for (const block of this.root.children) if (!block.hidden) block.open = open;
  }

  build(doc) {
    this.nodes = [];
    this.edges.clear();
    this.summaries.clear();
    const kinds = new Map(doc.components.map((c) => [c.id, c.kind]));
    const open = doc.pipelines.length <= OPEN_UP_TO;
    this.root.replaceChildren(...doc.pipelines.map((p) => this.block(p, kinds, open)));
  }

  block(p, kinds, open) {
    const edge = (place) => {
      const e = el('button', { type: 'button', class: 'edge', 'data-place': place, title: place }, el('span', { class: 'rate' }, '–'), el('span', { class: 'lost' }));
      if (p.signal === 'metrics') e.addEventListener('click', () => this.onPickPlace(p.id, place));
      this.edges.set(`${p.id}|${place}`, e);
      return e;
    };
    const node = (kind, id) => {
      const connector = kinds.get(id) === 'connector';
      const k = connector ? 'connector' : kind;
      const n = el('div', { class: `node ${k}`, 'data-component': `${k}:${id}`, 'data-id': id }, el('b', {}, id), el('span', { class: 'counts' }), el('span', { class: 'err' }));
      if (connector) n.append(el('span', { class: 'link' }, kind === 'receiver' ? '⇠ connector' : 'connector ⇢'));
      this.nodes.push([n, `${k}:${id}|${p.id}`, `${k}:${id}`]);
      return n;
    };
    const receivers = el('div', { class: 'col' }, ...p.receivers.map((r) => el('div', { class: 'row' }, node('receiver', r), edge(`after ${r}`))));
    const chain = el('div', { class: 'chain' });
    p.processors.forEach((k, i) => {
      if (i > 0) chain.append(edge(`after ${p.processors[i - 1]}`));
      chain.append(node('processor', k));
    });
    const exporters = el('div', { class: 'col' }, ...p.exporters.map((e) => el('div', { class: 'row' }, edge(`before ${e}`), node('exporter', e))));
    const summary = el('span', { class: 'sum muted' });
    this.summaries.set(p.id, summary);
    const search = [p.id, ...p.receivers, ...p.processors, ...p.exporters].join(' ').toLowerCase();
    return el(
      'details',
      { class: 'pipeline', id: `pipeline-${p.id}`, 'data-pipeline': p.id, 'data-search': search, open },
      el('summary', {}, el('b', {}, p.id), ' ', el('span', { class: 'muted' }, `${p.signal} · ${p.receivers.length + p.processors.length + p.exporters.length} stages`), ' ', summary),
      el('div', { class: 'flow' }, receivers, chain, exporters),
    );
  }
}

/** Components by `kind:id|pipeline` (processors: one per pipeline) and by `kind:id`. */
function componentIndex(components) {
  const out = new Map();
  for (const c of components) {
    for (const p of c.pipelines) out.set(`${c.kind}:${c.id}|${p}`, c);
    if (!out.has(`${c.kind}:${c.id}`)) out.set(`${c.kind}:${c.id}`, c);
  }
  return out;
}

function stagesOf(p) {
  return [...p.receivers.map((id) => ['receiver', id]), ...p.processors.map((id) => ['processor', id]), ...p.exporters.map((id) => ['exporter', id])];
}

/** Items a second through an edge since the previous document; null when either count is unknown. */
export function rate(edge, before, ms) {
  if (!before || edge.items === null || before.items === null || ms <= 0 || edge.items < before.items) return null;
  return ((edge.items - before.items) * 1000) / ms;
}

function fillNode(node, c) {
  if (!c) return;
  node.dataset.state = c.state;
  const n = c.counts;
  const parts = c.kind === 'receiver' ? [`${compact(n.accepted)} in`, n.refused && `${compact(n.refused)} refused`] : c.kind === 'exporter' ? [`${compact(n.sent)} sent`, n.failed && `${compact(n.failed)} failed`, n.queue && `${compact(n.queue)} queued`] : [n.refused && `${compact(n.refused)} refused`, n.dropped && `${compact(n.dropped)} dropped`];
  node.querySelector('.counts').textContent = parts.filter(Boolean).join(' · ');
  node.querySelector('.err').textContent = c.lastError ? c.lastError.message : '';
  node.classList.toggle('failing', Boolean(c.lastError) || c.state === 'failed');
  if (c.kind === 'connector') node.querySelector('.link').textContent = `connector: ${c.pipelines.join(', ')}`;
  node.title = `${c.kind} ${c.id} (${c.state})\n${JSON.stringify(c.details, null, 1)}`;
}

function fillEdge(edge, e, r) {
  if (!edge) return;
  edge.querySelector('.rate').textContent = r === null ? '–' : `${compact(r)}/s`;
  const lost = [e.refused && `${compact(e.refused)} refused`, e.dropped && `${compact(e.dropped)} dropped`, e.failed && `${compact(e.failed)} failed`].filter(Boolean).join(' · ');
  edge.querySelector('.lost').textContent = lost;
  edge.dataset.items = e.items ?? '';
  edge.classList.toggle('lossy', lost !== '');
}
