// Small DOM helpers shared by the status page's modules.

/** An element with attributes (`class`, `data-*`, `title`, …) and children (strings become text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : String(v));
  for (const c of children) if (c !== undefined && c !== null) node.append(c);
  return node;
}

/** A count as people read it: 1234567 → 1.23M. */
export function compact(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** "12 s ago" from an ISO time and the document's time (ms). */
export function ago(iso, nowMs) {
  if (!iso) return '–';
  const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

/** Replaces a tbody's rows when their text changed (so a selection survives an unchanged tick). */
export function setRows(tbody, rows) {
  const key = rows.map((r) => r.textContent + '|' + r.className).join('\n');
  if (tbody.dataset.key === key) return;
  tbody.dataset.key = key;
  tbody.replaceChildren(...rows);
}
