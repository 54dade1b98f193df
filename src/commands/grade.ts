/**
 * `dsgrade grade <submission> --project <dir>`: grade one submission, print the table, write the
 * requested result files.
 */
import path from 'node:path';
import { EXIT } from './exit-codes.js';
import { loadManifest } from '../manifest/load.js';
import { checkOnly } from '../pipeline/planned-items.js';
import { isDsgradeError } from '../errors.js';
import { checkOutputFile, unwritable } from './output-paths.js';
import { gradeSubmission } from '../pipeline/grade.js';
import { autolabProblems, autolabScoreLine, toAutolabResult } from '../report/autolab-results.js';
import { resultsLimits, writeResults } from '../report/results-writer.js';
import { createProgress, renderTable, type Progress } from '../report/terminal.js';
import type { BackendKind } from '../sandbox/backend.js';
import type { JailConfig } from '../sandbox/jail-config.js';
import { processIO, type CommandIO } from './io.js';

export interface GradeCommandOptions {
  submission: string;
  project: string;
  /** Gradescope results.json (also --out-gradescope). */
  out?: string;
  outGradescope?: string;
  /** JUnit XML (also --out-junit). */
  junit?: string;
  outJunit?: string;
  /** PrairieLearn results.json. */
  outPrairielearn?: string;
  /** Autolab's score line: a file, or "-" for the last line of stdout. */
  outAutolab?: string;
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
  /** Docker: CPUs of the containers (--cpus). */
  cpus?: number;
  /** How the local jail confines student code (the CLI passes it; default: from DSGRADE_SANDBOX*). */
  jail?: JailConfig;
  io?: CommandIO;
}

export async function gradeCommand(opts: GradeCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const loaded = await loadManifest(opts.project);
  for (const w of loaded.warnings) io.stderr.write(`dsgrade: warning: ${w}\n`);
  checkOnly(loaded.manifest, opts.only);
  for (const [option, file] of outputs(opts, ['out', 'outGradescope', 'junit', 'outJunit', 'outPrairielearn'])) await checkOutputFile(option, file);
  if (opts.outAutolab && opts.outAutolab !== '-') await checkOutputFile('--out-autolab', opts.outAutolab);
  let progress: Progress | undefined;
  const artifactsDir =
    typeof opts.artifacts === 'string'
      ? path.resolve(opts.artifacts)
      : opts.artifacts
        ? path.resolve('dsgrade-artifacts', loaded.manifest.name, new Date().toISOString().replace(/[:.]/g, '-'))
        : undefined;
  const rerunBase = `dsgrade grade ${opts.submission} --project ${opts.project}`;
  const report = await gradeSubmission({
    project: loaded,
    submission: opts.submission,
    jobs: opts.jobs,
    seed: opts.seed,
    only: opts.only,
    cacheDir: opts.cacheDir,
    keepWorkDir: opts.keepWork,
    ...(opts.jail ? { jail: opts.jail } : {}),
    ...backendOptions(opts, io),
    ...(artifactsDir ? { artifactsDir } : {}),
    // Run reports of failed scenarios go beside results.json (linked from it, relative to it).
    ...(opts.out ? { resultsDir: path.dirname(path.resolve(opts.out)) } : {}),
    rerunBase,
    progress: {
      planned: (total) => {
        progress = createProgress(io.stderr, { isTTY: Boolean(io.stderr.isTTY), total });
      },
      started: (id) => progress?.start(id),
      finished: (r) => progress?.finish(r),
    },
  });
  progress?.done();
  // The table first: if a result file cannot be written after all, the grade is still on screen.
  if (opts.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else io.stdout.write(`${renderTable(report, { color: opts.color !== false && Boolean(io.stdout.isTTY), width: io.stdout.columns ?? 100 })}\n`);
  // One run, every host's format: each file is schema-checked and written atomically (src/report/results-file.ts).
  const written: string[] = [];
  const write = async (option: string, file: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      if (isDsgradeError(err)) throw err;
      throw unwritable(option, path.resolve(file), err, 'after grading');
    }
    written.push(file);
  };
  const limits = resultsLimits(loaded.manifest, rerunBase, report.seed);
  const problems = autolabProblems(loaded.manifest);
  for (const [option, file] of outputs(opts, ['out', 'outGradescope'])) await write(option, file, () => writeResults('gradescope', path.resolve(file), report, limits));
  for (const [option, file] of outputs(opts, ['junit', 'outJunit'])) await write(option, file, () => writeResults('junit', path.resolve(file), report, limits));
  for (const [option, file] of outputs(opts, ['outPrairielearn'])) await write(option, file, () => writeResults('prairielearn', path.resolve(file), report, limits));
  if (opts.outAutolab && opts.outAutolab !== '-') await write('--out-autolab', opts.outAutolab, () => writeResults('autolab', path.resolve(opts.outAutolab!), report, limits, { autolabProblems: problems }));
  for (const file of written) io.stderr.write(`dsgrade: wrote ${file}\n`);
  if (artifactsDir) io.stderr.write(`dsgrade: scenario artifacts in ${artifactsDir}\n`);
  // Autolab reads the last line of the output: nothing may follow it.
  if (opts.outAutolab === '-') io.stdout.write(`${autolabScoreLine(toAutolabResult(report, problems))}\n`);
  return EXIT.OK;
}

type OutputOption = 'out' | 'outGradescope' | 'junit' | 'outJunit' | 'outPrairielearn';

/** The result files asked for, as [the flag the user typed, the file]. */
function outputs(opts: GradeCommandOptions, keys: readonly OutputOption[]): [string, string][] {
  return keys.flatMap((k) => {
    const file = opts[k];
    return file !== undefined && file !== '' ? [[`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, file] as [string, string]] : [];
  });
}

/** GradeOptions for `--backend` / `--base-image` (shared by grade and regress). */
export function backendOptions(
  opts: { backend?: BackendKind; baseImage?: string; cpus?: number },
  io: CommandIO,
): { backend?: BackendKind; docker?: { baseImage?: string; limits?: { cpus: number }; onLog: (line: string) => void } } {
  if (opts.backend !== 'docker') return opts.baseImage ? { docker: { baseImage: opts.baseImage, onLog: () => undefined } } : {};
  return {
    backend: 'docker',
    docker: {
      ...(opts.baseImage ? { baseImage: opts.baseImage } : {}),
      ...(opts.cpus !== undefined ? { limits: { cpus: opts.cpus } } : {}),
      onLog: (line) => {
        if (line.startsWith('building image')) io.stderr.write(`dsgrade: ${line}\n`);
      },
    },
  };
}
