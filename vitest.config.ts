import { defineConfig } from 'vitest/config';

// Two groups, one after the other: the server-side suites two files at a time (most of their
// time is spent waiting on databases, search servers and child processes), then the browser
// suites one at a time (Chromium beside another suite on a 2-core machine is where timeouts came
// from). Measured on 2 cores: 1,212 s of test files in one worker, of which 417 s browser.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'server',
          include: ['test/**/*.test.ts'],
          exclude: ['test/web/**'],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/web/**/*.test.ts'],
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
