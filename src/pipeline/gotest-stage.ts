/**
 * Grading a `gotest` suite: compile the package's tests once per variant (plain, -race), then hand
 * the run one job per selected test (its repeats and retries; pipeline/job-runner.ts schedules the
 * jobs of every suite together). Each attempt is its own process; one that failed while the
 * machine was overloaded does not count and is run again on a quiet machine (scoring/overload.ts).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { binaryName } from '../go/go-command.js';
import { explainCompileErrors, type DiagnosticsContext } from '../go/diagnostics.js';
import { compileTests, injectTestMain, type CompiledTests } from '../gotest/compile.js';
import { judgeLeaks } from '../gotest/leaks.js';
import { runAttempt, type AttemptRun } from '../gotest/run.js';
import type { GoTestSpec, GoTestSuite } from '../manifest/types.js';
import type { Attempt, TestResult } from '../model.js';
import { monotonicMs } from '../sandbox/load-probe.js';
import { makeRunDir } from '../sandbox/work-folders.js';
import { countedAttempts, decideOverload, markOverload, OVERLOAD_ERROR, overloadLines } from '../scoring/overload.js';
import { describePassRule } from '../scoring/pass-rule.js';
import { scoreWithRetry, wantsAnotherRun } from '../scoring/retry.js';
import { runsLines, runsHeadline, summarizeRuns } from '../scoring/runs-summary.js';
import { allOrNothing, type Scored } from '../scoring/score.js';
import { estimateOf, loadSince, makeResult, noJobs, overloadContextOf, settledPlan, type RunContext, type SuitePlan } from './context.js';
import { traceReport } from './gotest-run-report.js';
import { nextRunSeed, rerunCommand, seedEnvOf, seedRerunCommand } from './gotest-seeds.js';
import type { Job } from './job-runner.js';

export interface SuiteBlocker {
  /** Why the suite cannot run (a missing handin file); every test fails with this reason. */
  reason: string;
}

export async function gradeGoTestSuite(
  ctx: RunContext,
  suite: GoTestSuite,
  diagnostics: DiagnosticsContext,
  blocker: SuiteBlocker | undefined,
): Promise<SuitePlan> {
  const tests = suite.tests.filter((t) => ctx.selected(`${suite.id}/${t.name}`));
  const judgeLeaksToo = suite.leaks !== undefined && ctx.selected(`${suite.id}/leaks`);
  const withLeaks = (results: TestResult[], runs: Map<string, AttemptRun[]>): TestResult[] => (judgeLeaksToo ? [...results, leakResult(ctx, suite, tests, runs)] : results);
  if (tests.length === 0) return noJobs(withLeaks([], new Map()));
  if (blocker) return noJobs(withLeaks(tests.map((t) => notRun(ctx, suite, t, blocker.reason, blocker.reason)), new Map()));

  const pkgDir = path.join(ctx.moduleDir, ...suite.package.split('/'));
  await injectTestMain({
    moduleDir: ctx.moduleDir,
    pkg: suite.package,
    studentFiles: ctx.studentFiles,
  });
  const variants = [...new Set(tests.map((t) => t.race))];
  const compiled = new Map<boolean, CompiledTests>();
  // Compiling is CPU-bound; doing the two variants one after the other is as fast on 2 cores.
  for (const race of variants) {
    const out = path.join(ctx.workDir, 'bin', binaryName(suite.package, race));
    compiled.set(
      race,
      await compileTests(ctx.backend, suite.package, race, out, {
        moduleDir: ctx.moduleDir,
        scratchDir: path.join(ctx.workDir, 'scratch', 'compile'),
        allowDownloads: ctx.project.manifest.go.allowDownloads,
        timeoutMs: ctx.project.manifest.go.buildTimeoutSec * 1000,
      }),
    );
  }
  // Test binaries run from a copy of the package folder without Go sources (testdata stays), so
  // the staff tests' sources are not beside them; the module tree is closed to run uids.
  const runDir = await makeRunDir(pkgDir, path.join(ctx.workDir, 'run', suite.id));

  const runs = new Map<string, AttemptRun[]>();
  const results = new Map<string, TestResult>();
  const jobs: Job[] = tests.map((t) => {
    const id = `${suite.id}/${t.name}`;
    const bin = compiled.get(t.race)!;
    if (!bin.ok) {
      const o = bin.outcome;
      let result: TestResult;
      if (o.spawnError) result = notRun(ctx, suite, t, `dsgrade could not run the Go toolchain: ${o.spawnError}`, '', 'error');
      else if (o.timedOut) result = notRun(ctx, suite, t, `compiling the tests took longer than ${ctx.project.manifest.go.buildTimeoutSec} s`, o.output);
      else {
        const explained = explainCompileErrors(o.output, diagnostics);
        result = notRun(ctx, suite, t, explained.summary, `The tests of ${suite.package} do not compile with your code.\n\n${explained.text}`);
      }
      results.set(t.name, result);
      return undefined;
    }
    // Every attempt, voided ones too (they are reported); the verdict is decided from the others.
    const attempts: SeededRun[] = [];
    runs.set(t.name, attempts);
    let gaveUp = false;
    // The artifacts folder of the attempt the report shows (the first counted one that did not pass); the others' are removed.
    let kept: { dir: string; reason: string; seed: string } | undefined;
    const finish = async (): Promise<void> => {
      let result = resultFromAttempts(ctx, suite, t, attempts, gaveUp);
      if (result.verdict === 'failed' && kept) {
        const seedEnv = suite.seedEnv ?? 'DSGRADE_SEED';
        const traced = await traceReport(ctx, { suite: suite.id, test: t.name, result, reason: kept.reason, seed: kept.seed, seedEnv }, kept.dir);
        if (traced) result = { ...resultFromAttempts(ctx, suite, t, attempts, gaveUp, traced.lines), ...(traced.link ? { runReport: traced.link } : {}) };
      }
      results.set(t.name, result);
      ctx.progress.finished?.(result);
    };
    const job: Job & { lastUsage?: { cpuMs: number; wallMs: number } } = {
      id,
      exclusive: t.exclusive,
      estimate: estimateOf(ctx, id, t.runs),
      run: async (how) => {
        if (attempts.length === 0) ctx.progress.started?.(id);
        let cpuMs = 0;
        let wallMs = 0;
        // The runs, then (only when they did not pass and the test has a retry rule) the reruns;
        // a voided attempt is replaced once the machine is quiet, with its run's seed.
        while (wantsAnotherRun(t, countedAttempts(attempts))) {
          const i = attempts.length;
          const seed = nextRunSeed(ctx.seed, id, attempts);
          const started = monotonicMs();
          const env = seedEnvOf(seed, suite.seedEnv);
          const artifactsDir = path.join(ctx.workDir, 'scratch', `${suite.id}-${t.name}-${i}.artifacts`);
          const run = await runAttempt(ctx.backend, {
            binary: bin.binary,
            pkgDir: runDir,
            testName: t.name,
            timeoutSec: t.timeoutSec,
            scratchDir: path.join(ctx.workDir, 'scratch', `${suite.id}-${t.name}-${i}`),
            outputBudgetBytes: ctx.project.manifest.limits.testOutputBytes,
            floodLimitBytes: ctx.project.manifest.limits.processOutputBytes,
            race: t.race,
            env,
            artifactsDir,
            // Only where the verdict uses it: a clean test pays one goroutine snapshot, a leaky one the settle window.
            ...(judgeLeaksToo && !suite.leaks!.exclude.includes(t.name) ? { leakCheck: { settleMs: suite.leaks!.settleMs, cpuWindowMs: suite.leaks!.cpuWindowMs } } : {}),
          });
          const attempt = { ...run, load: loadSince(ctx, started), seed };
          cpuMs += run.usage?.cpuMs ?? 0;
          wallMs += run.durationMs;
          job.lastUsage = run.usage ? { cpuMs, wallMs } : undefined;
          const overload = decideOverload(attempt, overloadContextOf(ctx, id, how));
          if (!overload.voided && run.verdict !== 'passed' && !kept) kept = { dir: artifactsDir, reason: run.reason, seed: env.DSGRADE_SEED! };
          else await fs.rm(artifactsDir, { recursive: true, force: true }).catch(() => undefined);
          attempts.push(markOverload(attempt, overload));
          if (overload.voided) return 'rerun-when-quiet';
        }
        await finish();
        return 'done';
      },
      giveUp: async () => {
        gaveUp = true;
        await finish();
      },
    };
    return job;
  }).filter((j): j is Job => j !== undefined);

  return settledPlan(jobs, () =>
    withLeaks(
      tests.map((t) => results.get(t.name)!),
      runs,
    ),
  );
}

/** The suite's "nothing left running" item, judged from the leak reports of the selected tests' passing attempts. */
function leakResult(ctx: RunContext, suite: GoTestSuite, tests: GoTestSpec[], runs: Map<string, AttemptRun[]>): TestResult {
  const policy = suite.leaks!;
  const judged = judgeLeaks(
    policy,
    // A test that could not run (a compile error, a missing file) has no attempts: it did not pass.
    tests.map((t) => ({ test: t.name, attempts: runs.get(t.name) ?? [] })),
    { studentFiles: ctx.studentFiles, displayName: ctx.displayName },
  );
  const result = makeResult({
    id: `${suite.id}/leaks`,
    suite: suite.id,
    name: policy.name,
    number: policy.number,
    verdict: judged.verdict,
    score: allOrNothing(judged.verdict, policy.points),
    maxScore: policy.points,
    visibility: policy.visibility,
    tags: policy.tags,
    durationMs: 0,
    summary: judged.summary,
    output: judged.output,
    rerun: `${ctx.rerunBase} --only ${suite.id} --seed ${ctx.seed}`,
  });
  ctx.progress.finished?.(result);
  return result;
}

/** One attempt as the stage keeps it: the run, what the probe saw, whether it counts, its seed. */
type SeededRun = AttemptRun & Pick<Attempt, 'load' | 'voided' | 'overloadCounted'> & { seed: number };

/** `traceLines`: what the failing run's rpc trace says (gotest-run-report.ts), put before the test's own output. */
function resultFromAttempts(ctx: RunContext, suite: GoTestSuite, t: GoTestSpec, allRuns: SeededRun[], gaveUp: boolean, traceLines: readonly string[] = []): TestResult {
  const attempts: Attempt[] = allRuns.map((r) => ({
    verdict: r.verdict,
    durationMs: r.durationMs,
    reason: r.reason,
    seed: r.seed,
    ...(r.usage ? { usage: r.usage } : {}),
    ...(r.load ? { load: r.load } : {}),
    ...(r.voided ? { voided: r.voided } : {}),
    ...(r.overloadCounted ? { overloadCounted: r.overloadCounted } : {}),
  }));
  // The counted runs (the rule's runs, then retry reruns); voided ones are reported, never counted.
  const counted = countedAttempts(allRuns);
  const scoredRetry = scoreWithRetry(t, countedAttempts(attempts));
  const { retry } = scoredRetry;
  const scored: Scored = gaveUp ? { verdict: 'error', score: 0, flaky: false } : scoredRetry.scored;
  const firstBad = counted.find((r) => r.verdict !== 'passed');
  // A test that never got a counted run (gave up after a voided first run) shows the voided one.
  const shown = firstBad ?? counted[counted.length - 1] ?? allRuns[allRuns.length - 1]!;
  const runs = summarizeRuns(countedAttempts(attempts), describePassRule(t.passRule, t.runs), suite.seedReplays, (seed) => seedRerunCommand(suite, t, seed));
  // The verdict and its one-line reason are printed by every reporter; the output holds the details.
  const lines: string[] = [];
  const overload = overloadLines(attempts, gaveUp);
  if (overload.length > 0) lines.push(...overload, '');
  if (retry) lines.push(retry.note, '');
  if (runs && !gaveUp) lines.push(...runsLines(runs, { score: scored.score, maxScore: t.points }), '');
  if (t.description) lines.push(`What this test checks: ${t.description}`);
  if (t.race) lines.push('This test runs with the race detector (-race).');
  if (lines.length > 0 && lines[lines.length - 1] !== '') lines.push('');
  if (traceLines.length > 0) lines.push(...traceLines, '');
  const which = counted.length > 1 && firstBad ? ` (run ${counted.indexOf(firstBad) + 1}, seed ${firstBad.seed}: the first failing run)` : '';
  lines.push(`--- output of the test${which} ---`, shown.output.trimEnd() || '(no output)', '---');
  const durationMs = counted.reduce((a, r) => a + r.durationMs, 0);
  const reason = retry ? `${shown.reason} (and ${retry.summary})` : runs && firstBad ? `${shown.reason} — ${runsHeadline(runs)}` : shown.reason;
  const summary = gaveUp ? OVERLOAD_ERROR : scored.verdict === 'passed' ? '' : reason;
  return makeResult({
    id: `${suite.id}/${t.name}`,
    suite: suite.id,
    name: t.displayName,
    number: t.number,
    verdict: scored.verdict,
    score: scored.score,
    maxScore: t.points,
    visibility: t.visibility,
    tags: t.tags,
    durationMs,
    summary,
    output: lines.join('\n'),
    rerun: rerunCommand(ctx, suite, t),
    attempts,
    flaky: scored.flaky,
    ...(runs ? { runs } : {}),
  });
}

function notRun(ctx: RunContext, suite: GoTestSuite, t: GoTestSpec, summary: string, detail: string, verdict: 'failed' | 'error' = 'failed'): TestResult {
  const result = makeResult({
    id: `${suite.id}/${t.name}`,
    suite: suite.id,
    name: t.displayName,
    number: t.number,
    verdict,
    score: 0,
    maxScore: t.points,
    visibility: t.visibility,
    tags: t.tags,
    durationMs: 0,
    summary,
    output: detail && detail !== summary ? `This test was not run.\n\n${detail}` : 'This test was not run.',
    rerun: rerunCommand(ctx, suite, t),
  });
  ctx.progress.finished?.(result);
  return result;
}
