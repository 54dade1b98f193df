/**
 * Grading the student's own tests (P0 part B): their test file runs against the correct staff
 * implementation — where it must pass — and against each buggy one — where it must fail.
 * Every variant gets its own copy of the tree, so variants can run in parallel.
 */
import path from 'node:path';
import { binaryName } from '../build/go-command.js';
import { explainCompileErrors, type DiagnosticsContext } from '../build/diagnostics.js';
import { cloneTree, replaceFile } from '../build/worktree.js';
import { compileTests } from '../gotest/compile.js';
import type { StudentTestSuite } from '../manifest/types.js';
import type { TestResult, Verdict } from '../model.js';
import { makeRunDir } from '../sandbox/launcher.js';
import { runProcess } from '../sandbox/process.js';
import { makeResult, type RunContext } from './context.js';

interface VariantRun {
  /** The student's tests passed (exit 0) on this implementation. */
  testsPassed: boolean;
  /** dsgrade could not decide (toolchain could not start). */
  harnessError?: string;
  compileError?: { summary: string; text: string };
  reason: string;
  output: string;
  durationMs: number;
}

export async function gradeStudentTests(
  ctx: RunContext,
  suite: StudentTestSuite,
  diagnostics: DiagnosticsContext,
  blocker: { reason: string } | undefined,
): Promise<TestResult[]> {
  const variants = [
    { key: 'correct', file: undefined as string | undefined },
    ...suite.buggy.map((b) => ({ key: b.name, file: b.file })),
  ].filter((v) => ctx.selected(`${suite.id}/${v.key}`) || (v.key === 'correct' && suite.requireCorrectPass));
  if (variants.length === 0) return [];

  const runs = new Map<string, VariantRun>();
  if (!blocker) {
    await Promise.all(
      variants.map((v) =>
        ctx.limit(async () => {
          ctx.progress.started?.(`${suite.id}/${v.key}`);
          runs.set(v.key, await runVariant(ctx, suite, v.key, v.file, diagnostics));
        }),
      ),
    );
  }

  const results: TestResult[] = [];
  const correct = runs.get('correct');
  const base = { suite: suite.id, visibility: suite.visibility, tags: suite.tags };
  const rerun = `${ctx.rerunBase} --only ${suite.id} --seed ${ctx.seed}`;
  const fileName = ctx.displayName(suite.testFile);

  if (ctx.selected(`${suite.id}/correct`)) {
    let verdict: Verdict;
    let summary: string;
    let output: string;
    if (blocker) [verdict, summary, output] = ['failed', blocker.reason, 'This test was not run.'];
    else if (correct!.harnessError) [verdict, summary, output] = ['error', correct!.harnessError, correct!.harnessError];
    else if (correct!.compileError) [verdict, summary, output] = ['failed', correct!.compileError.summary, correct!.compileError.text];
    else if (correct!.testsPassed) [verdict, summary, output] = ['passed', '', `Your tests in ${fileName} pass on the correct implementation, as they should.\n\n${correct!.output}`];
    else
      [verdict, summary, output] = [
        'failed',
        `your tests fail on the correct implementation: ${correct!.reason}`,
        `Your tests in ${fileName} must PASS on the correct implementation, but they failed: ${correct!.reason}\n\n--- output ---\n${correct!.output}`,
      ];
    results.push(
      makeResult({
        ...base,
        id: `${suite.id}/correct`,
        name: `${suite.name}: your tests pass on the correct implementation`,
        number: suite.correct.number,
        verdict,
        score: verdict === 'passed' ? suite.correct.points : 0,
        maxScore: suite.correct.points,
        durationMs: correct?.durationMs ?? 0,
        summary,
        output,
        rerun,
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
    if (blocker) [verdict, summary, output] = ['failed', blocker.reason, 'This test was not run.'];
    else if (!run || run.harnessError) [verdict, summary, output] = ['error', run?.harnessError ?? 'not run', run?.harnessError ?? 'not run'];
    else if (run.compileError) [verdict, summary, output] = ['failed', run.compileError.summary, run.compileError.text];
    else if (suite.requireCorrectPass && !correct?.testsPassed) {
      [verdict, summary, output] = [
        'failed',
        'not counted: your tests must first pass on the correct implementation',
        `Catching this bug counts only when your tests also pass on the correct implementation, and they do not (see "${suite.name}: your tests pass on the correct implementation").`,
      ];
    } else if (!run.testsPassed) {
      [verdict, summary, output] = ['passed', '', `Your tests failed on this buggy implementation, as they should (${run.reason}).`];
    } else {
      [verdict, summary, output] = [
        'failed',
        `your tests pass on a buggy implementation${b.hint ? `: ${b.hint}` : ''}`,
        `Your tests in ${fileName} passed on a buggy implementation; they should have failed.${b.hint ? `\nHint: ${b.hint}` : ''}\n\n--- output ---\n${run.output}`,
      ];
    }
    const result = makeResult({
      ...base,
      id,
      name: `${suite.name}: your tests catch buggy implementation "${b.name}"`,
      number: b.number,
      verdict,
      score: verdict === 'passed' ? b.points : 0,
      maxScore: b.points,
      durationMs: run?.durationMs ?? 0,
      summary,
      output,
      rerun,
    });
    results.push(result);
    ctx.progress.finished?.(result);
  }
  return results;
}

async function runVariant(ctx: RunContext, suite: StudentTestSuite, key: string, implFile: string | undefined, diagnostics: DiagnosticsContext): Promise<VariantRun> {
  const started = performance.now();
  const dir = path.join(ctx.workDir, 'variants', key);
  const tree = await cloneTree({ moduleDir: ctx.moduleDir }, dir);
  if (implFile) await replaceFile(tree, suite.implFile, implFile);
  await ctx.sandbox?.giveToBuilder(tree.moduleDir);
  const compiled = await compileTests(suite.package, suite.race, path.join(dir, 'bin', binaryName(suite.package, suite.race)), {
    toolchain: ctx.toolchain,
    cacheDir: ctx.cacheDir,
    moduleDir: tree.moduleDir,
    scratchDir: path.join(dir, 'scratch'),
    allowDownloads: ctx.project.manifest.go.allowDownloads,
    timeoutMs: ctx.project.manifest.go.buildTimeoutSec * 1000,
    ...(ctx.sandbox ? { sandbox: ctx.sandbox } : {}),
  });
  const elapsed = (): number => Math.round(performance.now() - started);
  if (!compiled.ok) {
    if (compiled.outcome.spawnError) return { testsPassed: false, harnessError: `dsgrade could not run the Go toolchain: ${compiled.outcome.spawnError}`, reason: '', output: '', durationMs: elapsed() };
    const explained = explainCompileErrors(compiled.outcome.output, diagnostics);
    return { testsPassed: false, compileError: { summary: explained.summary, text: `Your tests do not compile.\n\n${explained.text}` }, reason: '', output: '', durationMs: elapsed() };
  }
  const scratch = path.join(dir, 'scratch', 'run');
  // Run from a copy of the package folder without Go sources: the module tree is the builder's.
  const runDir = await makeRunDir(path.join(tree.moduleDir, ...suite.package.split('/')), path.join(dir, 'run'));
  const outcome = await runProcess({
    file: compiled.binary,
    args: ['-test.v', '-test.count=1', '-test.paniconexit0', `-test.timeout=${suite.timeoutSec}s`],
    cwd: runDir,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: scratch, TMPDIR: '/tmp' },
    timeoutMs: (suite.timeoutSec + 5) * 1000,
    outputBudgetBytes: ctx.project.manifest.limits.testOutputBytes,
    floodLimitBytes: ctx.project.manifest.limits.processOutputBytes,
    ...(ctx.sandbox ? { sandbox: { sandbox: ctx.sandbox, role: 'run' as const, writableDirs: [scratch], race: suite.race, isolateNetwork: true } } : {}),
  });
  if (outcome.spawnError) return { testsPassed: false, harnessError: `dsgrade could not start the tests: ${outcome.spawnError}`, reason: '', output: '', durationMs: elapsed() };
  const testsPassed = !outcome.timedOut && !outcome.flooded && outcome.exitCode === 0;
  let reason = 'they passed';
  if (outcome.timedOut || /panic: test timed out/.test(outcome.output)) reason = `they did not finish within ${suite.timeoutSec} s`;
  else if (outcome.flooded) reason = 'they printed too much output';
  else if (!testsPassed) reason = /^--- FAIL: (\S+)/m.exec(outcome.output)?.[1] ? `${/^--- FAIL: (\S+)/m.exec(outcome.output)![1]} failed` : `exit status ${outcome.exitCode ?? outcome.signal}`;
  return { testsPassed, reason, output: outcome.output, durationMs: elapsed() };
}
