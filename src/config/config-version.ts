import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Which config the gateway runs, and how its last reload went: shown on the status page. */
export interface ConfigVersion {
  /** 1 for the config the gateway started with, one more for each reload that took. */
  generation: number;
  /** The first 12 hex digits of a SHA-256 over the files' names and text as written (before `${env:…}` expansion, so no secret goes into it). */
  digest: string;
  loaded_at: string;
  files: readonly string[];
  last_reload: ReloadResult | null;
}

export interface ReloadResult {
  time: string;
  ok: boolean;
  /** Why a reload was refused or failed; the running config stayed. */
  error?: string;
}

/** The digest of a config's files as they are on disk now. */
export function configDigest(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file}\n`);
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('(unreadable)');
    }
  }
  return hash.digest('hex').slice(0, 12);
}
