import type { ComponentStatus } from '../pipeline/health.ts';

export interface StatusPageModel {
  version: string;
  uptimeSeconds: number;
  ready: boolean;
  components: ComponentStatus[];
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A self-contained page for whoever is on call: every component, its state and last error. */
export function renderStatusPage(model: StatusPageModel): string {
  const rows = model.components
    .map((c) => {
      const details = Object.entries(c.details)
        .map(([k, v]) => `${escape(k)}: ${escape(typeof v === 'string' ? v : JSON.stringify(v))}`)
        .join('<br>');
      return `<tr class="${escape(c.state)}"><td>${escape(c.kind)}</td><td>${escape(c.id)}</td><td>${escape(c.pipelines.join(', '))}</td><td>${escape(c.state)}</td><td>${c.lastError ? `${escape(c.lastError.message)}<br><small>${escape(c.lastError.time)}</small>` : ''}</td><td>${details}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10"><title>Switchyard status</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.4em .6em;text-align:left;vertical-align:top}
.running td:nth-child(4){color:#1a7f37}.failed td:nth-child(4),.stopped td:nth-child(4){color:#cf222e}
.badge{display:inline-block;padding:.2em .6em;border-radius:1em;color:#fff;background:${model.ready ? '#1a7f37' : '#cf222e'}}
</style></head><body>
<h1>Switchyard <small>${escape(model.version)}</small></h1>
<p><span class="badge">${model.ready ? 'ready' : 'not ready'}</span> up ${model.uptimeSeconds}s ·
<a href="/health/detailed">/health/detailed</a> · <a href="/metrics">/metrics</a></p>
<table><thead><tr><th>kind</th><th>component</th><th>pipelines</th><th>state</th><th>last error</th><th>details</th></tr></thead>
<tbody>
${rows}
</tbody></table></body></html>
`;
}
