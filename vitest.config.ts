import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      // A project does not inherit the root's test options: the time-outs are given to each.
      { test: { name: 'unit', include: ['src/**/*.test.ts', 'web/src/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 } },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/support/build-slipway.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // These start servers, agents, apps and git on real ports and processes: one file at a
          // time keeps a 2-core machine responsive and their timings honest.
          fileParallelism: false,
        },
      },
    ],
  },
});
