import { readFileSync } from 'node:fs';

/** The status page's files (src/admin/ui/), plain browser code served as written: no build step. */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/status': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ui/status.css': { file: 'status.css', type: 'text/css; charset=utf-8' },
  '/ui/status.js': { file: 'status.js', type: 'text/javascript; charset=utf-8' },
  '/ui/graph.js': { file: 'graph.js', type: 'text/javascript; charset=utf-8' },
  '/ui/panels.js': { file: 'panels.js', type: 'text/javascript; charset=utf-8' },
  '/ui/tap.js': { file: 'tap.js', type: 'text/javascript; charset=utf-8' },
  '/ui/dom.js': { file: 'dom.js', type: 'text/javascript; charset=utf-8' },
};

const cache = new Map<string, string>();

/** Always the source folder: compiled to dist/src/admin/, this module serves the files tsc does not copy. */
const UI_DIR = import.meta.url.endsWith('.js') ? new URL('../../../src/admin/ui/', import.meta.url) : new URL('./ui/', import.meta.url);

/**
 * The page's file at `path`, or undefined. The page holds no data (it fetches `/status.json` and `/tap`
 * with the token), so it is served without auth: a browser cannot send a bearer token with a navigation.
 */
export function pageAsset(path: string): { body: string; type: string } | undefined {
  const asset = FILES[path];
  if (!asset) return undefined;
  let body = cache.get(asset.file);
  if (body === undefined) cache.set(asset.file, (body = readFileSync(new URL(asset.file, UI_DIR), 'utf8')));
  return { body, type: asset.type };
}
