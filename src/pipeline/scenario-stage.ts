/**
 * Grading a `scenario` suite: build its programs from the work tree and the fault proxy once, then
 * hand the run one job per selected scenario (pipeline/job-runner.ts schedules them with every
 * other suite's jobs; `exclusive` ones alone, after the rest) and turn each outcome into a
 * TestResult with id `<suite>/<scenario>`, all-or-nothing points. A scenario that failed while the
 * machine was overloaded does not count and runs again on a quiet machine (scoring/overload.ts).
 */
import path from 'node:path';
import { explainCompileErrors, type DiagnosticsContext } from '../go/diagnostics.js';
import { harnessTool } from '../go/harness-tool.js';
import type { Attempt, TestResult } from '../model.js';
import { buildPlan, scenarioSeed } from '../scenario/plan.js';
import { buildPrograms, type BuiltProgram } from '../scenario/programs.js';
import { runScenario } from '../scenario/run-scenario.js';
import type { ScenarioSpec, ScenarioSuite } from '../scenario/types.js';
import { decideOverload, markOverload, OVERLOAD_ERROR, overloadLines } from '../scoring/overload.js';
import { allOrNothing } from '../scoring/score.js';
import { estimateOf, loadSince, makeResult, noJobs, overloadContextOf, type RunContext, type SuitePlan } from './context.js';
import type { Job } from './job-runner.js';
import { monotonicMs } from '../sandbox/load-probe.js';
import { publishRunReport } from './run-report-link.js';

const MAX_DETAIL_LINES = 120;

export async function gradeScenarioSuite(ctx: RunContext, suite: ScenarioSuite, diagnostics: DiagnosticsContext): Promise<SuitePlan> {
  const scenarios = suite.scenarios.filter((sc) => ctx.selected(`${suite.id}/${sc.name}`));
  if (scenarios.length === 0) return noJobs([]);
  const m = ctx.project.manifest;
  const wanted = new Set(scenarios.flatMap((sc) => [...sc.nodes.map((n) => n.program), ...(sc.checker ? [sc.checker.program] : [])]));
  let faultnet: string | undefined;
  let faultnetError = '';
  try {
    faultnet = await harnessTool('faultnet', ctx.toolchain, ctx.cacheDir);
  } catch (err) {
    faultnetError = err instanceof Error ? err.message : String(err);
  }
  const built = await buildPrograms(ctx.backend, suite.programs, wanted, {
    moduleDir: ctx.moduleDir,
    workDir: ctx.workDir,
    allowDownloads: m.go.allowDownloads,
    timeoutMs: m.go.buildTimeoutSec * 1000,
    suiteId: suite.id,
  });
  const artifactsRoot = ctx.artifactsDir ?? path.join(ctx.workDir, 'artifacts');

  /** The scenario's result without running it (no proxy, a program that does not build), or undefined when it can run. */
  const blocked = (sc: ScenarioSpec): TestResult | undefined => {
    const id = `${suite.id}/${sc.name}`;
    const rerun = `${ctx.rerunBase} --only ${id} --seed ${ctx.seed}`;
    const base = { id, suite: suite.id, name: sc.displayName, number: sc.number, maxScore: sc.points, visibility: sc.visibility, tags: sc.tags, rerun };
    if (!faultnet) {
      return finish(makeResult({ ...base, verdict: 'error', score: 0, durationMs: 0, summary: "dsgrade could not build its fault proxy", output: `dsgrade could not run this scenario (a harness error, not your fault): ${faultnetError}` }));
    }
    const programs = [...new Set([...sc.nodes.map((n) => n.program), ...(sc.checker ? [sc.checker.program] : [])])];
    const broken = programs.map((p) => [p, built.get(p)] as const).find((x): x is readonly [string, Extract<BuiltProgram, { ok: false }>] => x[1]?.ok === false);
    if (broken) {
      const [name, b] = broken;
      const o = b.outcome;
      if (o.spawnError) return finish(makeResult({ ...base, verdict: 'error', score: 0, durationMs: 0, summary: `dsgrade could not run the Go toolchain: ${o.spawnError}`, output: o.spawnError }));
      const explained = explainCompileErrors(o.output, diagnostics);
      const summary = o.timedOut ? `building ${name} took longer than ${m.go.buildTimeoutSec} s` : explained.summary;
      return finish(
        makeResult({
          ...base,
          verdict: 'failed',
          score: 0,
          durationMs: 0,
          summary,
          output: `Not run: the scenario program "${name}" (${suite.programs[name]!.package}, which uses your code) does not build.\n\n${o.timedOut ? o.output : explained.text}`,
        }),
      );
    }
    return undefined;
  };

  /** One run of the scenario: its outcome, with the probe's figures over it. */
  const runOne = async (sc: ScenarioSpec, runs: Attempt[]): Promise<{ outcome: Awaited<ReturnType<typeof runScenario>>; attempt: Attempt }> => {
    const id = `${suite.id}/${sc.name}`;
    const seed = scenarioSeed(ctx.seed, id);
    const plan = buildPlan(sc, seed);
    const started = monotonicMs();
    // Each node (and the checker) runs as its own run uid, leased by the engine; everything of those uids dies when it ends.
    const outcome = await runScenario({
      testId: id,
      spec: sc,
      plan,
      binaries: new Map([...built].flatMap(([n, b]) => (b.ok ? [[n, b.binary] as const] : []))),
      // blocked() made sure there is a proxy.
      faultnet: faultnet!,
      // A rerun (after an overloaded run) keeps the first run's artifacts beside its own.
      artifactsDir: path.join(artifactsRoot, suite.id, runs.length === 0 ? sc.name : `${sc.name}.run${runs.length + 1}`),
      scratchDir: path.join(ctx.workDir, 'scratch', `scenario-${suite.id}-${sc.name}-${runs.length}`),
      outputBytes: suite.outputBytes,
      floodLimitBytes: m.limits.processOutputBytes,
      rerun: `${ctx.rerunBase} --only ${id} --seed ${ctx.seed}`,
      backend: ctx.backend,
    });
    const attempt: Attempt = {
      verdict: outcome.verdict,
      durationMs: outcome.durationMs,
      reason: outcome.reason,
      ...(outcome.usage ? { usage: outcome.usage } : {}),
      load: loadSince(ctx, started),
    };
    return { outcome, attempt };
  };

  /** The result of the scenario's counted run (the last one), with every run's attempt. */
  const resultOf = async (sc: ScenarioSpec, outcome: Awaited<ReturnType<typeof runScenario>>, attempts: Attempt[], gaveUp: boolean): Promise<TestResult> => {
    const id = `${suite.id}/${sc.name}`;
    const rerun = `${ctx.rerunBase} --only ${id} --seed ${ctx.seed}`;
    const base = { id, suite: suite.id, name: sc.displayName, number: sc.number, maxScore: sc.points, visibility: sc.visibility, tags: sc.tags, rerun };
    const seed = scenarioSeed(ctx.seed, id);
    const verdict = gaveUp ? 'error' : outcome.verdict;
    const report = outcome.verdict === 'passed' ? undefined : await publishRunReport(ctx, outcome.record, outcome.paths.report, suite.id, sc.name);
    const lines: string[] = [];
    const overload = overloadLines(attempts, gaveUp);
    if (overload.length > 0) lines.push(...overload, '');
    if (outcome.verdict === 'passed') lines.push(`Passed: every step and ${outcome.expectations.length} expectation(s) held.`);
    else lines.push(...outcome.details.slice(0, MAX_DETAIL_LINES));
    if (sc.description) lines.push('', `What this scenario checks: ${sc.description}`);
    lines.push(
      '',
      `Seed: ${ctx.seed} (this scenario's fault schedule and proxy decisions come from it; scenario seed ${seed})`,
      `Rerun exactly this schedule: ${rerun}`,
      ...(report ? [report.line] : []),
      ctx.artifactsDir
        ? `Artifacts (timeline.txt, nodes/*.log, proxy-trace.jsonl): ${outcome.paths.dir}`
        : 'Artifacts (per-node output, proxy trace, merged timeline) are kept when you rerun with --artifacts.',
    );
    if (outcome.verdict !== 'passed') lines.push('', '--- timeline (last events) ---', ...outcome.timelineTail, '---');
    return finish(
      makeResult({
        ...base,
        verdict,
        score: allOrNothing(verdict, sc.points),
        durationMs: outcome.durationMs,
        summary: gaveUp ? OVERLOAD_ERROR : outcome.reason,
        output: lines.join('\n'),
        attempts,
        ...(report?.link ? { runReport: report.link } : {}),
      }),
    );
  };
  const finish = (r: TestResult): TestResult => {
    ctx.progress.finished?.(r);
    return r;
  };

  const results = new Map<string, TestResult>();
  const jobs: Job[] = [];
  for (const sc of scenarios) {
    const pre = blocked(sc);
    if (pre) {
      results.set(sc.name, pre);
      continue;
    }
    const id = `${suite.id}/${sc.name}`;
    const attempts: Attempt[] = [];
    let last: Awaited<ReturnType<typeof runScenario>> | undefined;
    const job: Job & { lastUsage?: { cpuMs: number; wallMs: number } } = {
      id,
      exclusive: sc.exclusive,
      estimate: estimateOf(ctx, id),
      run: async (how) => {
        if (attempts.length === 0) ctx.progress.started?.(id);
        const { outcome, attempt } = await runOne(sc, attempts);
        last = outcome;
        job.lastUsage = attempt.usage ? { cpuMs: attempt.usage.cpuMs, wallMs: attempt.durationMs } : undefined;
        // Judged on the nodes alone: the staff checker runs after them, and its CPU is not the submission's.
        const { usage: _withChecker, ...judged } = attempt;
        const overload = decideOverload(
          { ...judged, durationMs: outcome.nodesOnly.durationMs, ...(outcome.nodesOnly.usage ? { usage: outcome.nodesOnly.usage } : {}), ...(outcome.loadIndependent ? { loadIndependent: outcome.loadIndependent } : {}) },
          overloadContextOf(ctx, id, how),
        );
        attempts.push(markOverload(attempt, overload));
        if (overload.voided) return 'rerun-when-quiet';
        results.set(sc.name, await resultOf(sc, outcome, attempts, false));
        return 'done';
      },
      giveUp: async () => {
        // Decided without another run: the last run's record stands, with the overload error.
        results.set(sc.name, await resultOf(sc, last!, attempts, true));
      },
    };
    jobs.push(job);
  }
  return { jobs, results: () => scenarios.map((sc) => results.get(sc.name)!) };
}
