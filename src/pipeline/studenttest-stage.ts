/**
 * Grading the student's own tests (P0 part B): their test file runs against the correct staff
 * implementation — where it must pass — and against each buggy one — where it must fail.
 * Every variant gets its own copy of the tree, so variants can run in parallel.
 *
 * What happens in such a run depends on Go's scheduler, which no seed replays: each variant is
 * therefore run `repeat` times, more than half of the runs decide its verdict, and runs that
 * disagree are reported as flaky, with the counts. A run that hits the time limit is not
 * repeated. The rerun hint says why there is no seed instead of offering one.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { binaryName } from '../go/go-command.js';
import { explainCompileErrors, type DiagnosticsContext } from '../go/diagnostics.js';
import { cloneTree, replaceFile } from '../go/worktree.js';
import { compileTests } from '../gotest/compile.js';
import type { StudentTestSuite } from '../manifest/types.js';
import type { Attempt, TestResult, Verdict } from '../model.js';
import { monotonicMs } from '../sandbox/load-probe.js';
import { makeRunDir } from '../sandbox/work-folders.js';
import { OVERLOAD_ERROR, overloadLines, voidedByOverload } from '../scoring/overload.js';
import { allOrNothing } from '../scoring/score.js';
import { judgeBuggy, judgeCorrect, type TestRun, type VariantVerdict } from '../scoring/studenttest-verdicts.js';
import { estimateOf, loadSince, makeResult, noJobs, settledPlan, type RunContext, type SuitePlan } from './context.js';
import type { Job } from './job-runner.js';

interface VariantRun {
  /** dsgrade could not decide (toolchain could not start). */
  harnessError?: string;
  compileError?: { summary: string; text: string };
  runs: TestRun[];
  durationMs: number;
  /** Runs that failed while the machine was overloaded and were run again (they do not count). */
  voided?: TestRun[];
  /** A run could not be had on a quiet machine: the variant's verdict is the overload error. */
  overloaded?: boolean;
}

export async function gradeStudentTests(
  ctx: RunContext,
  suite: StudentTestSuite,
  diagnostics: DiagnosticsContext,
  blocker: { reason: string } | undefined,
): Promise<SuitePlan> {
  const variants = [
    { key: 'correct', file: undefined as string | undefined },
    ...suite.buggy.map((b) => ({ key: b.name, file: b.file })),
  ].filter((v) => ctx.selected(`${suite.id}/${v.key}`) || (v.key === 'correct' && suite.requireCorrectPass));
  if (variants.length === 0) return noJobs([]);

  const runs = new Map<string, VariantRun>();
  const built = new Map<string, BuiltVariant>();
  if (!blocker) {
    // Every variant is built first (one after the other: compiling is CPU-bound), then each run of
    // each variant is a job of the run's schedule.
    for (const v of variants) {
      ctx.progress.started?.(`${suite.id}/${v.key}`);
      const b = await buildVariant(ctx, suite, v.key, v.file, diagnostics);
      if ('binary' in b) built.set(v.key, b);
      else runs.set(v.key, b);
    }
  }
  type Slot = TestRun | { harnessError: string } | { overloaded: true };
  const perRun = new Map<string, Slot[]>([...built.keys()].map((k) => [k, []]));
  // Runs that failed while the machine was overloaded (the correct variant's only: there a failure costs the student).
  const voided = new Map<string, TestRun[]>([...built.keys()].map((k) => [k, []]));
  const jobs: Job[] = [...built].flatMap(([key, b]) =>
    Array.from({ length: suite.repeat }, (_, i): Job => {
      const job: Job & { lastUsage?: { cpuMs: number; wallMs: number } } = {
        id: `${suite.id}/${key}#${i + 1}`,
        exclusive: false,
        estimate: estimateOf(ctx, `${suite.id}/${key}`),
        run: async (how) => {
          // A run that hit the time limit decides its variant: waiting the limit out again
          // would cost minutes per variant, and a test blocked forever blocks again.
          if (perRun.get(key)!.some((r) => 'timedOut' in r && r.timedOut)) return 'done';
          const started = monotonicMs();
          const tries = voided.get(key)!.length;
          const r = await runOnce(ctx, suite, b.binary, b.runDir, path.join(b.dir, 'scratch', `run-${i}${tries > 0 ? `-${tries}` : ''}`));
          if ('harnessError' in r) {
            perRun.get(key)![i] = r;
            return 'done';
          }
          const run: TestRun = { ...r, load: loadSince(ctx, started) };
          job.lastUsage = run.usage ? { cpuMs: run.usage.cpuMs, wallMs: run.durationMs } : undefined;
          // The tests are the student's, so the reference's figures for its own tests say nothing of what these need: no reference.
          const overloadCtx = { ranAlone: how.ranAlone(), cores: ctx.cores };
          if (key === 'correct' && voidedByOverload({ verdict: run.testsPassed ? 'passed' : 'failed', durationMs: run.durationMs, ...(run.usage ? { usage: run.usage } : {}), load: run.load! }, overloadCtx)) {
            voided.get(key)!.push(run);
            return 'rerun-when-quiet';
          }
          perRun.get(key)![i] = run;
          return 'done';
        },
        giveUp: () => {
          perRun.get(key)![i] = { overloaded: true };
        },
      };
      return job;
    }),
  );

  const collect = (): TestResult[] => {
    for (const [key, b] of built) {
      const all = perRun.get(key)!.filter((r) => r !== undefined);
      const broken = all.find((r): r is { harnessError: string } => 'harnessError' in r);
      const ok = all.filter((r): r is TestRun => 'testsPassed' in r);
      const durationMs = b.buildMs + ok.reduce((sum, r) => sum + r.durationMs, 0);
      const overloaded = all.some((r) => 'overloaded' in r);
      runs.set(key, broken ? { harnessError: broken.harnessError, runs: ok, durationMs } : { runs: ok, durationMs, voided: voided.get(key)!, ...(overloaded ? { overloaded } : {}) });
    }
    return results(ctx, suite, runs, blocker);
  };
  return settledPlan(jobs, collect);
}

function results(ctx: RunContext, suite: StudentTestSuite, runs: Map<string, VariantRun>, blocker: { reason: string } | undefined): TestResult[] {
  const results: TestResult[] = [];
  const correct = runs.get('correct');
  const correctPassed = !!correct && !correct.harnessError && !correct.compileError && judgeCorrect(correct.runs, '').verdict === 'passed';
  const base = { suite: suite.id, visibility: suite.visibility, tags: suite.tags };
  const fileName = ctx.displayName(suite.testFile);

  if (ctx.selected(`${suite.id}/correct`)) {
    let verdict: Verdict;
    let summary: string;
    let output: string;
    let judged: Partial<Pick<VariantVerdict, 'attempts' | 'flaky'>> = {};
    if (blocker) [verdict, summary, output] = ['failed', blocker.reason, 'This test was not run.'];
    else if (correct!.harnessError) [verdict, summary, output] = ['error', correct!.harnessError, correct!.harnessError];
    else if (correct!.compileError) [verdict, summary, output] = ['failed', correct!.compileError.summary, correct!.compileError.text];
    else {
      ({ verdict, summary, output, ...judged } = judgeCorrect(correct!.runs, fileName, suite.repeat));
      // Voided runs are reported with the ones that count, and said so at the top.
      const voidedAttempts: Attempt[] = (correct!.voided ?? []).map((r) => ({ verdict: 'failed', durationMs: r.durationMs, reason: r.reason, ...(r.usage ? { usage: r.usage } : {}), ...(r.load ? { load: r.load } : {}), voided: 'overload' }));
      const notes = overloadLines(voidedAttempts, correct!.overloaded === true);
      if (correct!.overloaded) [verdict, summary] = ['error', OVERLOAD_ERROR];
      if (notes.length > 0) output = `${notes.join('\n')}\n\n${output}`;
      judged = { ...judged, attempts: [...(judged.attempts ?? []), ...voidedAttempts] };
    }
    results.push(
      makeResult({
        ...base,
        id: `${suite.id}/correct`,
        name: `${suite.name}: your tests pass on the correct implementation`,
        number: suite.correct.number,
        verdict,
        score: allOrNothing(verdict, suite.correct.points),
        maxScore: suite.correct.points,
        durationMs: correct?.durationMs ?? 0,
        summary,
        output,
        rerun: rerunHint(ctx, suite, 'correct'),
        ...judged,
      }),
    );
    ctx.progress.finished?.(results[results.length - 1]!);
  }

  for (const b of suite.buggy) {
    const id = `${suite.id}/${b.name}`;
    if (!ctx.selected(id)) continue;
    const run = runs.get(b.name);
    let verdict: Verdict;
    let summary: string;
    let output: string;
    let judged: Partial<Pick<VariantVerdict, 'attempts' | 'flaky'>> = {};
    if (blocker) [verdict, summary, output] = ['failed', blocker.reason, 'This test was not run.'];
    else if (!run || run.harnessError) [verdict, summary, output] = ['error', run?.harnessError ?? 'not run', run?.harnessError ?? 'not run'];
    else if (run.compileError) [verdict, summary, output] = ['failed', run.compileError.summary, run.compileError.text];
    else if (suite.requireCorrectPass && !correctPassed) {
      [verdict, summary, output] = [
        'failed',
        'not counted: your tests must first pass on the correct implementation',
        `Catching this bug counts only when your tests also pass on the correct implementation, and they do not (see "${suite.name}: your tests pass on the correct implementation").`,
      ];
    } else ({ verdict, summary, output, ...judged } = judgeBuggy(run.runs, fileName, b.hint, suite.repeat));
    const result = makeResult({
      ...base,
      id,
      name: `${suite.name}: your tests catch buggy implementation "${b.name}"`,
      number: b.number,
      verdict,
      score: allOrNothing(verdict, b.points),
      maxScore: b.points,
      durationMs: run?.durationMs ?? 0,
      summary,
      output,
      rerun: rerunHint(ctx, suite, b.name),
      ...judged,
    });
    results.push(result);
    ctx.progress.finished?.(result);
  }
  return results;
}

/**
 * How to run one variant again. No `--seed`: what happens in these runs is decided by Go's
 * scheduler, which dsgrade's seed does not replay.
 */
function rerunHint(ctx: RunContext, suite: StudentTestSuite, key: string): string {
  const runs = suite.repeat > 1 ? `dsgrade runs your tests ${suite.repeat} times on each implementation` : 'one run per implementation';
  return `${ctx.rerunBase} --only ${suite.id}/${key}    (no --seed: these runs depend on Go's scheduler, which no seed replays; ${runs}. Locally, go test -count=20 ./${suite.package} shows whether your tests pass every time on the correct one)`;
}

/** A variant's test binary, ready to run, or why there is none. */
interface BuiltVariant {
  binary: string;
  runDir: string;
  dir: string;
  buildMs: number;
}

async function buildVariant(ctx: RunContext, suite: StudentTestSuite, key: string, implFile: string | undefined, diagnostics: DiagnosticsContext): Promise<BuiltVariant | VariantRun> {
  const started = performance.now();
  const dir = path.join(ctx.workDir, 'variants', key);
  const tree = await cloneTree({ moduleDir: ctx.moduleDir }, dir);
  if (implFile) await replaceFile(tree, suite.implFile, implFile);
  await ctx.backend.giveToBuilder(tree.moduleDir);
  const compiled = await compileTests(ctx.backend, suite.package, suite.race, path.join(dir, 'bin', binaryName(suite.package, suite.race)), {
    moduleDir: tree.moduleDir,
    scratchDir: path.join(dir, 'scratch'),
    allowDownloads: ctx.project.manifest.go.allowDownloads,
    timeoutMs: ctx.project.manifest.go.buildTimeoutSec * 1000,
  });
  const elapsed = (): number => Math.round(performance.now() - started);
  if (!compiled.ok) {
    if (compiled.outcome.spawnError) return { harnessError: `dsgrade could not run the Go toolchain: ${compiled.outcome.spawnError}`, runs: [], durationMs: elapsed() };
    const explained = explainCompileErrors(compiled.outcome.output, diagnostics);
    return { compileError: { summary: explained.summary, text: `Your tests do not compile.\n\n${explained.text}` }, runs: [], durationMs: elapsed() };
  }
  // Run from a copy of the package folder without Go sources: the module tree is the builder's.
  const runDir = await makeRunDir(path.join(tree.moduleDir, ...suite.package.split('/')), path.join(dir, 'run'));
  return { binary: compiled.binary, runDir, dir, buildMs: elapsed() };
}

async function runOnce(ctx: RunContext, suite: StudentTestSuite, binary: string, runDir: string, scratch: string): Promise<TestRun | { harnessError: string }> {
  const started = performance.now();
  await fs.mkdir(scratch, { recursive: true });
  const outcome = await ctx.backend.runProcess({
    file: binary,
    args: ['-test.v', '-test.count=1', '-test.paniconexit0', `-test.timeout=${suite.timeoutSec}s`],
    cwd: runDir,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: scratch, TMPDIR: '/tmp' },
    timeoutMs: (suite.timeoutSec + 5) * 1000,
    outputBudgetBytes: ctx.project.manifest.limits.testOutputBytes,
    floodLimitBytes: ctx.project.manifest.limits.processOutputBytes,
    jail: { role: 'run', writableDirs: [scratch], race: suite.race, isolateNetwork: true },
  });
  if (outcome.spawnError) return { harnessError: `dsgrade could not start the tests: ${outcome.spawnError}` };
  const testsPassed = !outcome.timedOut && !outcome.flooded && outcome.exitCode === 0;
  const hitTimeLimit = outcome.timedOut || /panic: test timed out/.test(outcome.output);
  let reason = 'they passed';
  if (hitTimeLimit) reason = `they did not finish within ${suite.timeoutSec} s`;
  else if (outcome.flooded) reason = 'they printed too much output';
  else if (!testsPassed) reason = /^--- FAIL: (\S+)/m.exec(outcome.output)?.[1] ? `${/^--- FAIL: (\S+)/m.exec(outcome.output)![1]} failed` : `exit status ${outcome.exitCode ?? outcome.signal}`;
  return { testsPassed, timedOut: hitTimeLimit, reason, output: outcome.output, durationMs: Math.round(performance.now() - started), ...(outcome.usage ? { usage: outcome.usage } : {}) };
}
