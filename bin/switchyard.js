#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=40
// The node flags above are the gateway's memory settings (bench/testbed.ts, 10,000 points/s): a 4 MiB
// young generation instead of V8's 16 MiB (≈20 MiB less RSS at rest) and an old generation that grows by
// 40% of what is live instead of up to 4× (peak RSS under the load ≈ 30 MiB lower), CPU unchanged within
// noise. `npm start` runs this file through them; `node bin/switchyard.js` does not (add them by hand).
// Runs the gateway compiled to JavaScript (dist/, built by `npm ci` through `prepare`, or `npm run build`)
// with plain node: no loader thread and no esbuild in memory (≈35 MiB less RSS). Without a build, or
// with sources newer than it (a checkout being edited), it runs the TypeScript through tsx's loader.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = `${root}dist/.built`;

/** Whether dist/ holds a build at least as new as every source file. */
function builtAndCurrent() {
  if (!existsSync(stamp)) return false;
  const builtAt = statSync(stamp).mtimeMs;
  for (const dir of ['src', 'receivers', 'exporters']) {
    for (const file of readdirSync(`${root}${dir}`, { recursive: true })) {
      if (file.endsWith('.ts') && statSync(`${root}${dir}/${file}`).mtimeMs > builtAt) return false;
    }
  }
  return true;
}

let main;
if (process.env.SWITCHYARD_USE_TSX !== '1' && builtAndCurrent()) {
  ({ main } = await import('../dist/src/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
