import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CONFIG_DIR = fileURLToPath(new URL('../../src/config/', import.meta.url));
/** What src/config may import of ours (README's layout table): the rooms below it. */
const ALLOWED = ['../model/', '../component/', '../version.ts'];

describe('src/config layering', () => {
  it('imports no room above it: the service.telemetry and listener auth/tls schemas live in src/config, not in src/telemetry or src/listener', () => {
    const offending: string[] = [];
    for (const file of readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(`${CONFIG_DIR}${file}`, 'utf8');
      for (const [, spec] of text.matchAll(/\bfrom\s+'(\.\.\/[^']+)'/g)) {
        if (!ALLOWED.some((a) => spec!.startsWith(a))) offending.push(`${file} -> ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
