/**
 * One submission, end to end, as the sequence of its stages: backend → work folder → intake →
 * work tree → gate → build → static checks → suites → report. Takes plain options, returns a
 * GradeReport; reporters and the CLI live elsewhere. Anything the submission does ends as a
 * verdict; only dsgrade's own failures (no Go, broken project, no Docker engine) throw.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DiagnosticsContext } from '../go/diagnostics.js';
import { defaultCacheDir, findGo, type GoToolchain } from '../go/go-env.js';
import { goVersionNotice } from '../go/go-version.js';
import { assembleTree } from '../go/worktree.js';
import { decideGate } from '../gate/gate.js';
import type { IntakeResult } from '../intake/intake.js';
import type { GradeReport, NotGraded, Notice, TestResult } from '../model.js';
import type { Backend } from '../sandbox/backend.js';
import { registerTempDir } from '../sandbox/interrupt.js';
import type { LoadProbe } from '../sandbox/load-probe.js';
import { workFolderParent } from '../sandbox/work-folders.js';
import { sumScores } from '../scoring/score.js';
import { versions } from '../version.js';
import { openBackend } from './backend-choice.js';
import { gradeBuild } from './build-stage.js';
import { gradeStaticChecks } from './checks-stage.js';
import { selector, type RunContext, type SuitePlan } from './context.js';
import { gateHarnessError, gatedResults, vetHandin } from './gate-stage.js';
import { DEFAULT_MAX_JOBS, randomSeed, type GradeOptions } from './grade-options.js';
import { gradeGoTestSuite } from './gotest-stage.js';
import { takeSubmission } from './intake-stage.js';
import { runJobs } from './job-runner.js';
import { planItems } from './planned-items.js';
import { throwIfAborted } from './run-control.js';
import { gradeScenarioSuite } from './scenario-stage.js';
import { gradeStudentTests } from './studenttest-stage.js';

export { DEFAULT_MAX_JOBS, randomSeed, type GradeOptions };

export async function gradeSubmission(opts: GradeOptions): Promise<GradeReport> {
  const toolchain = await findGo();
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  // Chosen once: every stage below runs its builds and processes on this value.
  const opened = await openBackend({
    toolchain,
    cacheDir,
    projectDir: opts.project.manifest.dir,
    ...(opts.backend ? { kind: opts.backend } : {}),
    ...(opts.jail ? { jail: opts.jail } : {}),
    ...(opts.docker ? { docker: opts.docker } : {}),
    ...(opts.artifactsDir ? { artifactsDir: opts.artifactsDir } : {}),
  });
  try {
    return await gradeOn(opened.backend, toolchain, cacheDir, opts);
  } finally {
    await opened.close();
  }
}

async function gradeOn(backend: Backend, toolchain: GoToolchain, cacheDir: string, opts: GradeOptions): Promise<GradeReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const { manifest, staffFiles } = opts.project;
  const seed = opts.seed ?? randomSeed();
  const nonce = opts.nonce ?? randomBytes(16).toString('hex');
  const workRoot = opts.workRoot ?? (await workFolderParent());
  await fs.mkdir(workRoot, { recursive: true });
  const workDir = await fs.mkdtemp(path.join(workRoot, `dsgrade-${manifest.name}-`));
  const unregister = opts.keepWorkDir ? () => undefined : registerTempDir(workDir);
  const notices: Notice[] = backend.warnings.map((w) => ({ level: 'warning', message: `sandbox: ${w}` }));
  const goNotice = goVersionNotice(manifest.go.version, backend.toolchain.version);
  if (goNotice) notices.push(goNotice);
  const tests: TestResult[] = [];
  const progress = opts.progress ?? {};
  const selected = selector(opts.only);
  let intake: IntakeResult | undefined;
  let notGraded: NotGraded | undefined;
  let probe: LoadProbe | undefined;
  const finish = (): GradeReport => {
    const { score, maxScore } = sumScores(tests);
    const durationMs = Math.round(performance.now() - started);
    return { project: manifest.name, projectTitle: manifest.title, submission: opts.submission, seed, nonce, startedAt, durationMs, versions: versions(backend.toolchain.version), notices, tests, score, maxScore, ...(notGraded ? { notGraded } : {}) };
  };

  try {
    const taken = await takeSubmission(opts.submission, { handin: manifest.handin, staffFiles, tmpRoot: workDir });
    if ('refused' in taken) {
      notices.push(taken.refused.notice);
      tests.push(taken.refused.result);
      return finish();
    }
    intake = taken.intake;
    notices.push(...intake.notices);
    const display = new Map(intake.files.map((f) => [f.treePath, f.displayPath]));
    const displayName = (treePath: string): string => display.get(treePath) ?? treePath;
    const tree = await assembleTree(manifest, intake.files, workDir);
    await backend.prepareWorkDir(workDir, tree.moduleDir);

    // The static gate, before anything is built: a refused handin is not graded at all.
    const vetted = await vetHandin({ backend, toolchain, cacheDir, workDir, moduleDir: tree.moduleDir, files: intake.files, policy: manifest.gate });
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
    const machine = await backend.resources();
    const share = Math.min(1, Math.max(0.01, opts.share ?? 1));
    const resources = { cores: machine.cores * share, memoryBytes: machine.memoryBytes * share };
    probe = await backend.startLoadProbe();
    const ctx: RunContext = {
      project: opts.project,
      backend,
      toolchain,
      cacheDir,
      workDir,
      moduleDir: tree.moduleDir,
      seed,
      probe,
      // The whole machine's: whether an attempt overloaded it by itself.
      cores: machine.cores,
      rerunBase: opts.rerunBase ?? `dsgrade grade ${opts.submission} --project ${path.relative(process.cwd(), manifest.dir) || '.'}`,
      selected,
      progress,
      displayName,
      studentFiles: intake.files.map((f) => f.treePath),
      ...(opts.artifactsDir ? { artifactsDir: path.resolve(opts.artifactsDir) } : {}),
      ...(opts.resultsDir ? { resultsDir: path.resolve(opts.resultsDir) } : {}),
    };
    const { files: handin, ignoredStaffCopies, droppedGoFiles: dropped } = intake;
    const diagnostics: DiagnosticsContext = { handin, ignoredStaffCopies, dropped, module: manifest.go.module, allowDownloads: manifest.go.allowDownloads };
    progress.planned?.(planned.length);

    if (selected('build')) tests.push(await gradeBuild(ctx, diagnostics));
    tests.push(...gradeStaticChecks(ctx, intake, vetted.reports));
    if (gate.kind === 'unchecked') {
      for (const result of gatedResults(planned, gate)) {
        progress.finished?.(result);
        tests.push(result);
      }
      return finish();
    }
    // Every suite builds what it needs and hands over its jobs; the jobs of all suites are then
    // scheduled together by what they cost (docs/scheduling.md), and the results kept in suite order.
    const plans: SuitePlan[] = [];
    for (const suite of manifest.suites) {
      throwIfAborted(opts.signal);
      if (suite.kind === 'scenario') {
        plans.push(await gradeScenarioSuite(ctx, suite, diagnostics));
        continue;
      }
      const missing = intake.missing.filter((m) => m === suite.package || m.startsWith(`${suite.package}/`));
      const blocker = missing.length > 0 ? { reason: `${missing.join(', ')} was not handed in` } : undefined;
      if (suite.kind === 'gotest') plans.push(await gradeGoTestSuite(ctx, suite, diagnostics, blocker));
      else plans.push(await gradeStudentTests(ctx, suite, diagnostics, blocker));
    }
    await runJobs(
      plans.flatMap((p) => p.jobs),
      { capacity: { cores: resources.cores, memoryBytes: resources.memoryBytes, maxJobs: opts.jobs ?? DEFAULT_MAX_JOBS }, probe, ...(opts.signal ? { signal: opts.signal } : {}) },
    );
    for (const p of plans) tests.push(...p.results());
    return finish();
  } finally {
    await probe?.stop();
    await intake?.cleanup().catch(() => undefined);
    if (!opts.keepWorkDir) await fs.rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    unregister();
  }
}
