// Prints the top frames of a V8 .cpuprofile by self time: `node bench/profile-top.js FILE [N]`.
import { readFileSync } from 'node:fs';

const [file, n = '25'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const self = new Map();
const dt = new Map();
// Self time per node from the sample time deltas.
for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
let total = 0;
let idle = 0;
for (const node of profile.nodes) {
  const t = dt.get(node.id) ?? 0;
  const f = node.callFrame;
  if (f.functionName === '(idle)') {
    idle += t;
    continue;
  }
  total += t;
  const where = f.url ? f.url.replace(/^file:\/\/.*?\/(src|receivers|exporters|node_modules|bench|test)\//, '$1/') : '';
  const key = `${f.functionName || '(anonymous)'}\t${where}${f.url ? `:${f.lineNumber + 1}` : ''}`;
  self.set(key, (self.get(key) ?? 0) + t);
}
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(n));
console.log(`busy ${(total / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s; self time % of busy time`);
for (const [k, t] of rows) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
