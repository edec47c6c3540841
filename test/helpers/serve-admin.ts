import { afterAll, beforeAll } from 'vitest';
import type { AdminServer } from '../../src/admin/server.ts';

/** Starts `admin` before the file's tests and closes it after them; `url(path)` is where it answers `path`. */
export function serveAdmin(admin: AdminServer): { url(path: string): string } {
  let base = '';
  beforeAll(async () => {
    await admin.start();
    base = `http://${admin.endpoint()}`;
  });
  afterAll(() => admin.close());
  return { url: (path) => `${base}${path}` };
}
