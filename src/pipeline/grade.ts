/**
 * One submission, end to end: intake → work tree → build → static checks → suites → report.
 * Takes plain options, returns a GradeReport; reporters and the CLI live elsewhere. Anything the
 * submission does ends as a verdict; only dsgrade's own failures (no Go, broken project) throw.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import { explainCompileErrors, type DiagnosticsContext } from '../build/diagnostics.js';
import { runGo } from '../build/go-command.js';
import { findGo, defaultCacheDir } from '../build/go-env.js';
import { goVersionNotice } from '../build/go-version.js';
import { assembleTree } from '../build/worktree.js';
import { evaluateCheck } from '../checks/static-checks.js';
import type { VetFileReport } from '../checks/vet-client.js';
import { DsgradeError, isDsgradeError } from '../errors.js';
import { decideGate } from '../gate/gate.js';
import { intakeSubmission, type IntakeResult } from '../intake/intake.js';
import type { LoadedManifest } from '../manifest/load.js';
import type { GradeReport, NotGraded, Notice, TestResult } from '../model.js';
import { registerTempDir } from '../sandbox/interrupt.js';
import { currentBackend, withBackend, type BackendKind } from '../sandbox/backend.js';
import type { DockerOptions } from '../sandbox/docker/docker-run.js';
import { createSandbox, workFolderParent, type SandboxConfig } from '../sandbox/launcher.js';
import { sumScores } from '../scoring/score.js';
import { MAX_SEED } from '../util/limits.js';
import { versions } from '../version.js';
import { makeResult, selector, type ProgressListener, type RunContext } from './context.js';
import { gateHarnessError, gatedResults, vetHandin } from './gate-stage.js';
import { gradeGoTestSuite } from './gotest-stage.js';
import { planItems } from './plan.js';
import { gradeScenarioSuite } from './scenario-stage.js';
import { gradeStudentTests } from './studenttest-stage.js';

export interface GradeOptions {
  project: LoadedManifest;
  submission: string;
  jobs?: number;
  seed?: number;
  only?: string[];
  cacheDir?: string;
  /** Parent folder of the per-run work folder (default: the OS temp folder). */
  workRoot?: string;
  keepWorkDir?: boolean;
  rerunBase?: string;
  progress?: ProgressListener;
  /** The per-run nonce written into results.json (default: random); it never reaches student code. */
  nonce?: string;
  /** Aborting stops the run from starting anything new; gradeSubmission then rejects with INTERRUPTED. */
  signal?: AbortSignal;
  /** Keep scenario artifacts here (<dir>/<suite>/<scenario>/); default: inside the work folder, removed with it. */
  artifactsDir?: string;
  /**
   * The folder results are written to (results.json's folder): run reports of failed scenarios are
   * copied to <dir>/run-reports/ and linked from the test's output relative to it.
   */
  resultsDir?: string;
  /** How student builds and processes are sandboxed (default: from the environment, see src/sandbox/launcher.ts). */
  sandboxConfig?: SandboxConfig;
  /** Where builds and student processes run: this machine (default) or Docker containers (docs/docker.md). */
  backend?: BackendKind;
  /** Docker backend settings (base image, limits). */
  docker?: DockerOptions;
}

/** Default concurrency: timing-sensitive distributed-systems tests need a core each. */
export function defaultJobs(): number {
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

export async function gradeSubmission(opts: GradeOptions): Promise<GradeReport> {
  if (opts.backend === 'docker' && currentBackend()?.kind !== 'docker') return gradeInDocker(opts);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const { manifest, staffFiles } = opts.project;
  const seed = opts.seed ?? randomSeed();
  const nonce = opts.nonce ?? randomBytes(16).toString('hex');
  const toolchain = await findGo();
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const workRoot = opts.workRoot ?? (await workFolderParent());
  await fs.mkdir(workRoot, { recursive: true });
  const workDir = await fs.mkdtemp(path.join(workRoot, `dsgrade-${manifest.name}-`));
  const unregister = opts.keepWorkDir ? () => undefined : registerTempDir(workDir);
  await currentBackend()?.prepareWorkDir?.(workDir);
  const notices: Notice[] = [];
  const tests: TestResult[] = [];
  const progress = opts.progress ?? {};
  const selected = selector(opts.only);
  let intake: IntakeResult | undefined;
  let notGraded: NotGraded | undefined;
  // Under Docker the containers are the sandbox.
  const sandbox = opts.backend === 'docker' ? undefined : await createSandbox({ toolchain, cacheDir, ...(opts.sandboxConfig ? { config: opts.sandboxConfig } : {}) });
  for (const w of sandbox?.warnings ?? []) notices.push({ level: 'warning', message: `sandbox: ${w}` });
  const exposed = await sandbox?.readableByOthers(manifest.dir);
  if (exposed) notices.push({ level: 'warning', message: `sandbox: ${exposed}` });
  const goNotice = goVersionNotice(manifest.go.version, currentBackend()?.goVersion ?? toolchain.version);
  if (goNotice) notices.push(goNotice);

  try {
    try {
      intake = await intakeSubmission(opts.submission, { handin: manifest.handin, staffFiles, tmpRoot: workDir });
    } catch (err) {
      // An unreadable or unsafe submission is graded (zero, with the reason); a missing one is a usage error.
      if (isDsgradeError(err) && (err.code === 'SUBMISSION_UNREADABLE' || err.code === 'SUBMISSION_UNSAFE')) {
        notices.push({ level: 'error', message: err.describe() });
        tests.push(
          makeResult({
            id: 'submission',
            suite: 'submission',
            name: 'Submission',
            verdict: 'failed',
            score: 0,
            maxScore: 0,
            visibility: 'visible',
            tags: [],
            durationMs: 0,
            summary: err.message,
            output: err.describe(),
          }),
        );
        return finish();
      }
      throw err;
    }
    notices.push(...intake.notices);
    const display = new Map(intake.files.map((f) => [f.treePath, f.displayPath]));
    const displayName = (treePath: string): string => display.get(treePath) ?? treePath;
    const tree = await assembleTree(manifest, intake.files, workDir);
    await sandbox?.prepareWorkDir(workDir, tree.moduleDir);
    // The static gate, before anything is built: a refused handin is not graded at all.
    const vetted = await vetHandin({ toolchain, cacheDir, workDir, moduleDir: tree.moduleDir, files: intake.files, policy: manifest.gate });
    const planned = planItems(manifest, selected);
    if (!vetted.reports) {
      tests.push(...gateHarnessError(planned, vetted.error));
      return finish();
    }
    const gate = decideGate(intake.files.map((f) => f.treePath), vetted.reports, displayName);
    if (gate.kind === 'refused') {
      notGraded = gate.notGraded;
      tests.push(...gatedResults(planned, gate));
      return finish();
    }
    const ctx: RunContext = {
      project: opts.project,
      toolchain,
      cacheDir,
      workDir,
      moduleDir: tree.moduleDir,
      seed,
      limit: abortable(pLimit(Math.max(1, opts.jobs ?? defaultJobs())), opts.signal),
      rerunBase: opts.rerunBase ?? `dsgrade grade ${opts.submission} --project ${path.relative(process.cwd(), manifest.dir) || '.'}`,
      selected,
      progress,
      displayName,
      studentFiles: intake.files.map((f) => f.treePath),
      ...(opts.artifactsDir ? { artifactsDir: path.resolve(opts.artifactsDir) } : {}),
      ...(opts.resultsDir ? { resultsDir: path.resolve(opts.resultsDir) } : {}),
      ...(sandbox ? { sandbox } : {}),
    };
    const diagnostics: DiagnosticsContext = {
      handin: intake.files,
      ignoredStaffCopies: intake.ignoredStaffCopies,
      dropped: intake.droppedGoFiles,
      module: manifest.go.module,
      allowDownloads: manifest.go.allowDownloads,
    };
    progress.planned?.(planned.length);

    if (selected('build')) tests.push(await buildCheck(ctx, diagnostics));
    tests.push(...staticChecks(ctx, intake, vetted.reports));
    if (gate.kind === 'unchecked') {
      for (const result of gatedResults(planned, gate)) {
        progress.finished?.(result);
        tests.push(result);
      }
      return finish();
    }
    for (const suite of manifest.suites) {
      throwIfAborted(opts.signal);
      if (suite.kind === 'scenario') {
        tests.push(...(await gradeScenarioSuite(ctx, suite, diagnostics)));
        continue;
      }
      const missing = intake.missing.filter((m) => m === suite.package || m.startsWith(`${suite.package}/`));
      const blocker = missing.length > 0 ? { reason: `${missing.join(', ')} was not handed in` } : undefined;
      if (suite.kind === 'gotest') tests.push(...(await gradeGoTestSuite(ctx, suite, diagnostics, blocker)));
      else tests.push(...(await gradeStudentTests(ctx, suite, diagnostics, blocker)));
    }
    return finish();
  } finally {
    await intake?.cleanup().catch(() => undefined);
    if (!opts.keepWorkDir) await fs.rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    unregister();
  }

  function finish(): GradeReport {
    const { score, maxScore } = sumScores(tests);
    return {
      project: manifest.name,
      projectTitle: manifest.title,
      submission: opts.submission,
      seed,
      nonce,
      startedAt,
      durationMs: Math.round(performance.now() - started),
      versions: versions(currentBackend()?.goVersion ?? toolchain.version),
      notices,
      tests,
      score,
      maxScore,
      ...(notGraded ? { notGraded } : {}),
    };
  }
}

/**
 * The same grading run with the Docker backend installed: every build, test, node and proxy of it
 * runs in containers labelled with a fresh run id, all removed at the end, on error and on
 * SIGINT/SIGTERM (the interrupt handler waits for the removal).
 */
async function gradeInDocker(opts: GradeOptions): Promise<GradeReport> {
  const { openDockerRun } = await import('../sandbox/docker/docker-run.js');
  const run = await openDockerRun({
    ...opts.docker,
    hostGo: await findGo(),
    cacheDir: opts.cacheDir ?? defaultCacheDir(),
    ...(opts.artifactsDir ? { artifactsDir: path.resolve(opts.artifactsDir) } : {}),
  });
  try {
    return await withBackend(run.backend, () => gradeSubmission(opts));
  } finally {
    await run.close();
  }
}

/** A limiter that refuses to start tasks once `signal` is aborted. */
function abortable(limit: LimitFunction, signal: AbortSignal | undefined): LimitFunction {
  if (!signal) return limit;
  const wrapped = ((fn: (...args: unknown[]) => unknown, ...args: unknown[]) =>
    limit(() => {
      throwIfAborted(signal);
      return fn(...args);
    })) as LimitFunction;
  return Object.assign(wrapped, { clearQueue: () => limit.clearQueue() });
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DsgradeError('INTERRUPTED', 'grading stopped: the run was aborted', { fix: 'nothing to fix: the caller stopped the run (time budget or interrupt)' });
}

/** A seed in [0, MAX_SEED] (src/util/limits.ts). */
export function randomSeed(): number {
  return randomBytes(4).readUInt32BE(0) & MAX_SEED;
}

/** `go build ./...`: a visible, pointless-to-game test that shows compiler errors first. */
async function buildCheck(ctx: RunContext, diagnostics: DiagnosticsContext): Promise<TestResult> {
  const m = ctx.project.manifest;
  ctx.progress.started?.('build');
  const outcome = await runGo(['build', './...'], {
    toolchain: ctx.toolchain,
    cacheDir: ctx.cacheDir,
    moduleDir: ctx.moduleDir,
    scratchDir: path.join(ctx.workDir, 'scratch', 'build'),
    allowDownloads: m.go.allowDownloads,
    cgo: false,
    timeoutMs: m.go.buildTimeoutSec * 1000,
    ...(ctx.sandbox ? { sandbox: ctx.sandbox } : {}),
  });
  const base = { id: 'build', suite: 'build', name: 'Build (go build ./...)', score: 0, maxScore: 0, visibility: 'visible' as const, tags: ['build'], durationMs: outcome.durationMs };
  let result: TestResult;
  if (outcome.spawnError) {
    result = makeResult({ ...base, verdict: 'error', summary: `dsgrade could not run the Go toolchain: ${outcome.spawnError}`, output: outcome.spawnError });
  } else if (outcome.timedOut) {
    result = makeResult({ ...base, verdict: 'failed', summary: `the build took longer than ${m.go.buildTimeoutSec} s`, output: outcome.output });
  } else if (outcome.exitCode !== 0) {
    const explained = explainCompileErrors(outcome.output, diagnostics);
    result = makeResult({ ...base, verdict: 'failed', summary: explained.summary, output: `Your code does not compile. Tests that need it score 0.\n\n${explained.text}` });
  } else {
    result = makeResult({ ...base, verdict: 'passed', summary: '', output: 'Your code compiles.' });
  }
  ctx.progress.finished?.(result);
  return result;
}

function staticChecks(ctx: RunContext, intake: IntakeResult, reports: Map<string, VetFileReport>): TestResult[] {
  const checks = ctx.project.manifest.checks.filter((c) => ctx.selected(`check/${c.id}`));
  const present = intake.files.map((f) => f.treePath);
  return checks.map((check) => {
    const base = {
      id: `check/${check.id}`,
      suite: 'check',
      name: check.name,
      number: check.number,
      maxScore: check.points,
      visibility: check.visibility,
      tags: check.tags,
      durationMs: 0,
    };
    const outcome = evaluateCheck({ check, present, missing: intake.missing, reports, displayName: ctx.displayName, module: ctx.project.manifest.go.module });
    const result = makeResult({ ...base, verdict: outcome.verdict, score: outcome.verdict === 'passed' ? check.points : 0, summary: outcome.summary, output: outcome.output });
    ctx.progress.finished?.(result);
    return result;
  });
}
