import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * `npm run test:workers`: every test file that starts the real gateway, run with `--workers 2`
 * (SWITCHYARD_TEST_WORKERS, which test/helpers/gateway-process.ts reads). The files are found, not
 * listed: those that call `startGateway(`, or import a helper that does (test/helpers/fleet.ts, say), so
 * a new end-to-end test runs both ways without anyone adding it here.
 */
const text = (file: string) => readFileSync(file, 'utf8');
const starts = (source: string) => source.includes('startGateway(');
const helpers = readdirSync('test/helpers')
  .filter((name) => name !== 'gateway-process.ts' && name.endsWith('.ts') && starts(text(join('test/helpers', name))))
  .map((name) => `helpers/${name}'`);
const files = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .filter((path) => path.endsWith('.test.ts'))
  .map((path) => join('test', path))
  .filter((file) => {
    const source = text(file);
    return starts(source) || helpers.some((helper) => source.includes(helper));
  })
  .sort();

// Spread, not mergeConfig: that would add the list to the base's `test/**` instead of replacing it.
export default defineConfig({ ...base, test: { ...base.test, include: files } });
