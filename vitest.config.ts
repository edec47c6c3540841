import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Installs the Debian packages the tests need (test/setup/system-packages.ts), or stops with the command.
    globalSetup: ['test/setup/ensure-system-packages.ts'],
    // End-to-end tests start real processes; two cores run two files at a time comfortably.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
