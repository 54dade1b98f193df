/**
 * `dsgrade grade <submission> --project <dir>`: grade one submission, print the table, write the
 * requested result files.
 */
import path from 'node:path';
import { EXIT } from '../cli/exit-codes.js';
import { loadManifest } from '../manifest/load.js';
import { checkOnly } from '../pipeline/plan.js';
import { isDsgradeError } from '../errors.js';
import { checkOutputFile, unwritable } from './output-paths.js';
import { gradeSubmission } from '../pipeline/grade.js';
import { writeGradescopeResults } from '../report/gradescope.js';
import { writeJUnit } from '../report/junit.js';
import { createProgress, renderTable, type Progress } from '../report/terminal.js';
import type { BackendKind } from '../sandbox/backend.js';
import { processIO, type CommandIO } from './io.js';

export interface GradeCommandOptions {
  submission: string;
  project: string;
  out?: string;
  junit?: string;
  jobs?: number;
  seed?: number;
  only?: string[];
  cacheDir?: string;
  keepWork?: boolean;
  /** Keep scenario artifacts: a folder, or true for ./dsgrade-artifacts/<project>/<timestamp>. */
  artifacts?: string | boolean;
  json?: boolean;
  color?: boolean;
  /** `local` (default) or `docker` (docs/docker.md). */
  backend?: BackendKind;
  /** Docker: an image with Go to build and run in instead of dsgrade's own (e.g. golang:1.23). */
  baseImage?: string;
  io?: CommandIO;
}

export async function gradeCommand(opts: GradeCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const loaded = await loadManifest(opts.project);
  for (const w of loaded.warnings) io.stderr.write(`dsgrade: warning: ${w}\n`);
  checkOnly(loaded.manifest, opts.only);
  if (opts.out) await checkOutputFile('--out', opts.out);
  if (opts.junit) await checkOutputFile('--junit', opts.junit);
  let progress: Progress | undefined;
  const artifactsDir =
    typeof opts.artifacts === 'string'
      ? path.resolve(opts.artifacts)
      : opts.artifacts
        ? path.resolve('dsgrade-artifacts', loaded.manifest.name, new Date().toISOString().replace(/[:.]/g, '-'))
        : undefined;
  const report = await gradeSubmission({
    project: loaded,
    submission: opts.submission,
    jobs: opts.jobs,
    seed: opts.seed,
    only: opts.only,
    cacheDir: opts.cacheDir,
    keepWorkDir: opts.keepWork,
    ...backendOptions(opts, io),
    ...(artifactsDir ? { artifactsDir } : {}),
    // Run reports of failed scenarios go beside results.json (linked from it, relative to it).
    ...(opts.out ? { resultsDir: path.dirname(path.resolve(opts.out)) } : {}),
    rerunBase: `dsgrade grade ${opts.submission} --project ${opts.project}`,
    progress: {
      planned: (total) => {
        progress = createProgress(io.stderr, { isTTY: Boolean(io.stderr.isTTY), total });
      },
      started: (id) => progress?.start(id),
      finished: (r) => progress?.finish(r),
    },
  });
  progress?.done();
  const rerunAll = `dsgrade grade ${opts.submission} --project ${opts.project} --seed ${report.seed}`;
  // The table first: if a result file cannot be written after all, the grade is still on screen.
  if (opts.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else io.stdout.write(`${renderTable(report, { color: opts.color !== false && Boolean(io.stdout.isTTY), width: io.stdout.columns ?? 100 })}\n`);
  const written = async (option: string, file: string, write: () => Promise<unknown>): Promise<void> => {
    try {
      await write();
    } catch (err) {
      if (isDsgradeError(err)) throw err;
      throw unwritable(option, path.resolve(file), err, 'after grading');
    }
  };
  if (opts.out) await written('--out', opts.out, () => writeGradescopeResults(path.resolve(opts.out!), report, { testOutputBytes: loaded.manifest.limits.testOutputBytes, rerunAll }));
  if (opts.junit) await written('--junit', opts.junit, () => writeJUnit(path.resolve(opts.junit!), report));
  if (opts.out) io.stderr.write(`dsgrade: wrote ${opts.out}\n`);
  if (opts.junit) io.stderr.write(`dsgrade: wrote ${opts.junit}\n`);
  if (artifactsDir) io.stderr.write(`dsgrade: scenario artifacts in ${artifactsDir}\n`);
  return EXIT.OK;
}

/** GradeOptions for `--backend` / `--base-image` (shared by grade and regress). */
export function backendOptions(opts: { backend?: BackendKind; baseImage?: string }, io: CommandIO): { backend?: BackendKind; docker?: { baseImage?: string; onLog: (line: string) => void } } {
  if (opts.backend !== 'docker') return opts.baseImage ? { docker: { baseImage: opts.baseImage, onLog: () => undefined } } : {};
  return {
    backend: 'docker',
    docker: {
      ...(opts.baseImage ? { baseImage: opts.baseImage } : {}),
      onLog: (line) => {
        if (line.startsWith('building image')) io.stderr.write(`dsgrade: ${line}\n`);
      },
    },
  };
}
