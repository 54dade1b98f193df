/**
 * The build item: `go build ./...` of the work tree on the run's backend, a visible,
 * pointless-to-game test that shows compiler errors first (explained in the student's file names).
 */
import path from 'node:path';
import { explainCompileErrors, type DiagnosticsContext } from '../go/diagnostics.js';
import { runGo } from '../go/go-command.js';
import type { TestResult } from '../model.js';
import { makeResult, type RunContext } from './context.js';

export async function gradeBuild(ctx: RunContext, diagnostics: DiagnosticsContext): Promise<TestResult> {
  const m = ctx.project.manifest;
  ctx.progress.started?.('build');
  const outcome = await runGo(ctx.backend, ['build', './...'], {
    moduleDir: ctx.moduleDir,
    scratchDir: path.join(ctx.workDir, 'scratch', 'build'),
    allowDownloads: m.go.allowDownloads,
    cgo: false,
    timeoutMs: m.go.buildTimeoutSec * 1000,
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
