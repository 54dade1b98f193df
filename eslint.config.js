// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'harness/**', 'projects/**', 'test/fixtures/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['bin/**/*.js', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  // Layering (ARCHITECTURE.md "Who may import what"). Only direct imports are checked here; import
  // cycles are checked by `npx madge --circular --extensions ts src` (none today).
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: ['**/cli/*'], message: 'nothing imports the CLI: it imports everything else' }] }],
    },
  },
  {
    // Pure layers: no process, no container, no stage. Types from other layers are fine.
    files: ['src/manifest/**/*.ts', 'src/scoring/**/*.ts', 'src/schedule/**/*.ts', 'src/report/**/*.ts', 'src/core/**/*.ts', 'src/util/**/*.ts', 'src/model.ts', 'src/errors.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ['execa', 'node:child_process', 'child_process', 'dockerode', 'node:worker_threads'].map((name) => ({ name, message: 'manifest, scoring, schedule, report, core and util run no processes' })),
          patterns: [
            { group: ['**/cli/*', '**/commands/*'], message: 'nothing imports the CLI or the commands' },
            {
              group: ['**/sandbox/*', '**/sandbox/docker/*', '**/go/*', '!**/go/go-version.js', '**/gotest/*', '**/faults/*', '**/pipeline/*', '!**/pipeline/planned-items.js', '**/batch/*', '**/flaky/*', '**/regress/regress.js', '**/scenario/run-scenario.js', '**/scenario/nodes.js', '**/scenario/checker.js', '**/scenario/proxy-links.js', '**/scenario/programs.js'],
              allowTypeImports: true,
              message: 'manifest, scoring, schedule, report, core and util import nothing that runs processes (types are fine)',
            },
          ],
        },
      ],
    },
  },
  {
    // The scheduler and the probe's reading are decisions only: given estimates, cores and samples, they
    // say what to start; they read no file and no clock (pipeline/job-runner.ts does).
    files: ['src/schedule/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ['execa', 'node:child_process', 'dockerode', 'node:worker_threads', 'node:fs', 'node:fs/promises', 'node:os'].map((name) => ({ name, message: 'schedule/ is pure: no processes, files or machine facts' })),
          patterns: [
            { group: ['**/cli/*', '**/commands/*', '**/pipeline/*', '**/go/*', '**/gotest/*', '**/scenario/*', '**/faults/*'], message: 'schedule/ imports only core, model and (types of) sandbox' },
            { group: ['**/sandbox/*', '**/sandbox/docker/*'], allowTypeImports: true, message: 'schedule/ takes the sandbox\'s figures as plain data (types only)' },
          ],
        },
      ],
    },
  },
  {
    // The sandbox runs what it is given: it never builds (the jail and exec binaries are passed in) and knows no stage.
    files: ['src/sandbox/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/cli/*', '**/commands/*'], message: 'nothing imports the CLI or the commands' },
            { group: ['**/go/*', '**/gotest/*', '**/pipeline/*', '**/scenario/*', '**/manifest/*', '**/report/*', '**/faults/*'], message: 'the sandbox imports only core, util and errors (its binaries are passed in)' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: ['../*', '!../core/*'], message: 'core imports nothing of dsgrade' }] }],
    },
  },
  {
    // Only the CLI and reporters talk to the terminal.
    files: ['src/cli/**', 'src/report/terminal*.ts', 'bench/**', 'test/**', 'bin/**'],
    rules: { 'no-console': 'off' },
  },
);
