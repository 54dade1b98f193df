import { defineConfig } from 'vitest/config';

// Three projects: `unit` (fast, no Go toolchain runs), `integration` (real Go
// toolchain and processes; tagged by living in test/integration), and
// `docker` (needs a Docker engine). `npm run test:fast` runs only `unit`.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/docker/**', 'node_modules/**'],
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
    ],
  },
});
