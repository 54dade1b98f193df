import { defineConfig } from 'vitest/config';

// Projects: `unit` (fast, no Go toolchain runs), `integration` (real Go
// toolchain and processes; tagged by living in test/integration),
// `browser` (headless Chromium opens the HTML reports) and
// `docker` (needs a Docker engine). `npm run test:fast` runs only `unit`.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/docker/**', 'test/browser/**', 'node_modules/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          // Grading runs are timing-sensitive; never run two integration files at once.
          fileParallelism: false,
        },
      },
      {
        test: {
          // Opens the HTML reports in headless Chromium (Debian's package; .ci/run installs it).
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'docker',
          include: ['test/docker/**/*.test.ts'],
          // Whole P0 regressions in containers: minutes, not seconds.
          testTimeout: 1_500_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
