/**
 * Grading a `gotest` suite: compile the package's tests once per variant (plain, -race), then run
 * every selected test as its own process through the shared limiter, repeats included.
 */
import path from 'node:path';
import { binaryName } from '../build/go-command.js';
import { explainCompileErrors, type DiagnosticsContext } from '../build/diagnostics.js';
import { compileTests, injectTestMain, type CompiledTests } from '../gotest/compile.js';
import { runAttempt, type AttemptRun } from '../gotest/run.js';
import type { GoTestSpec, GoTestSuite } from '../manifest/types.js';
import type { Attempt, TestResult } from '../model.js';
import { scoreAttempts } from '../scoring/score.js';
import { makeResult, type RunContext } from './context.js';

export interface SuiteBlocker {
  /** Why the suite cannot run (a missing handin file); every test fails with this reason. */
  reason: string;
}

export async function gradeGoTestSuite(
  ctx: RunContext,
  suite: GoTestSuite,
  diagnostics: DiagnosticsContext,
  blocker: SuiteBlocker | undefined,
): Promise<TestResult[]> {
  const tests = suite.tests.filter((t) => ctx.selected(`${suite.id}/${t.name}`));
  if (tests.length === 0) return [];
  if (blocker) return tests.map((t) => notRun(ctx, suite, t, blocker.reason, blocker.reason));

  const pkgDir = path.join(ctx.moduleDir, ...suite.package.split('/'));
  await injectTestMain(pkgDir);
  const variants = [...new Set(tests.map((t) => t.race))];
  const compiled = new Map<boolean, CompiledTests>();
  // Compiling is CPU-bound; doing the two variants one after the other is as fast on 2 cores.
  for (const race of variants) {
    const out = path.join(ctx.workDir, 'bin', binaryName(suite.package, race));
    compiled.set(
      race,
      await compileTests(suite.package, race, out, {
        toolchain: ctx.toolchain,
        cacheDir: ctx.cacheDir,
        moduleDir: ctx.moduleDir,
        scratchDir: path.join(ctx.workDir, 'scratch', 'compile'),
        allowDownloads: ctx.project.manifest.go.allowDownloads,
        timeoutMs: ctx.project.manifest.go.buildTimeoutSec * 1000,
      }),
    );
  }

  const runOne = async (t: GoTestSpec): Promise<TestResult> => {
    const id = `${suite.id}/${t.name}`;
    const bin = compiled.get(t.race)!;
    if (!bin.ok) {
      const o = bin.outcome;
      if (o.spawnError) return notRun(ctx, suite, t, `dsgrade could not run the Go toolchain: ${o.spawnError}`, '', 'error');
      if (o.timedOut) return notRun(ctx, suite, t, `compiling the tests took longer than ${ctx.project.manifest.go.buildTimeoutSec} s`, o.output);
      const explained = explainCompileErrors(o.output, diagnostics);
      return notRun(ctx, suite, t, explained.summary, `The tests of ${suite.package} do not compile with your code.\n\n${explained.text}`);
    }
    ctx.progress.started?.(id);
    const attempts: AttemptRun[] = [];
    for (let i = 0; i < t.repeat; i++) {
      attempts.push(
        await runAttempt({
          binary: bin.binary,
          pkgDir,
          testName: t.name,
          timeoutSec: t.timeoutSec,
          scratchDir: path.join(ctx.workDir, 'scratch', `${suite.id}-${t.name}-${i}`),
          nonce: ctx.nonce,
          outputBudgetBytes: ctx.project.manifest.limits.testOutputBytes,
          floodLimitBytes: ctx.project.manifest.limits.processOutputBytes,
        }),
      );
    }
    const result = resultFromAttempts(ctx, suite, t, attempts);
    ctx.progress.finished?.(result);
    return result;
  };

  // Exclusive (timing-sensitive) tests run alone, after the others.
  const shared = tests.filter((t) => !t.exclusive);
  const exclusive = tests.filter((t) => t.exclusive);
  const results = new Map<string, TestResult>();
  await Promise.all(shared.map((t) => ctx.limit(async () => results.set(t.name, await runOne(t)))));
  for (const t of exclusive) results.set(t.name, await runOne(t));
  return tests.map((t) => results.get(t.name)!);
}

function resultFromAttempts(ctx: RunContext, suite: GoTestSuite, t: GoTestSpec, runs: AttemptRun[]): TestResult {
  const attempts: Attempt[] = runs.map((r) => ({ verdict: r.verdict, durationMs: r.durationMs, reason: r.reason }));
  const scored = scoreAttempts(attempts, t.points, t.partialCredit);
  const firstBad = runs.find((r) => r.verdict !== 'passed');
  const shown = firstBad ?? runs[runs.length - 1]!;
  const passes = runs.filter((r) => r.verdict === 'passed').length;
  // The verdict and its one-line reason are printed by every reporter; the output holds the details.
  const lines: string[] = [];
  if (t.repeat > 1 && scored.verdict === 'passed') lines.push(`Passed all ${t.repeat} runs.`);
  if (t.repeat > 1 && scored.verdict !== 'passed') {
    lines.push(
      `Passed ${passes} of ${t.repeat} runs${scored.flaky ? ' — the outcome changes from run to run (flaky): look for races and timing assumptions' : ''}.` +
        (t.partialCredit ? ' Partial credit is given in proportion to passing runs.' : ' Every run must pass for credit.'),
    );
  }
  if (t.description) lines.push(`What this test checks: ${t.description}`);
  if (t.race) lines.push('This test runs with the race detector (-race).');
  if (lines.length > 0) lines.push('');
  lines.push(`--- output of the test${t.repeat > 1 && firstBad ? ' (first failing run)' : ''} ---`, shown.output.trimEnd() || '(no output)', '---');
  const durationMs = runs.reduce((a, r) => a + r.durationMs, 0);
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
    summary: scored.verdict === 'passed' ? '' : shown.reason,
    output: lines.join('\n'),
    rerun: rerunCommand(ctx, suite, t),
    attempts,
    flaky: scored.flaky,
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

function rerunCommand(ctx: RunContext, suite: GoTestSuite, t: GoTestSpec): string {
  const goTest = `go test${t.race ? ' -race' : ''} -count=1 -run '^${t.name}$' ./${suite.package}`;
  return `${ctx.rerunBase} --only ${suite.id}/${t.name} --seed ${ctx.seed}    (or, in the module folder with the staff tests: ${goTest})`;
}
