import { readFileSync } from 'node:fs';

/** package.json's text: one level up from src/, two from dist/src/ when run compiled. */
function packageJson(): string {
  try {
    return readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  } catch {
    return readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  }
}

/** The package version, read once from package.json. */
export const VERSION: string = (JSON.parse(packageJson()) as { version: string }).version;
