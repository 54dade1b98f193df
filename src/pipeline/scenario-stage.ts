/**
 * Grading a `scenario` suite: build its programs from the work tree and the fault proxy once, then
 * run every selected scenario (through the shared limiter; `exclusive` ones alone, after the rest)
 * and turn each outcome into a TestResult with id `<suite>/<scenario>`, all-or-nothing points.
 */
import path from 'node:path';
import { explainCompileErrors, type DiagnosticsContext } from '../go/diagnostics.js';
import { harnessTool } from '../go/harness-tool.js';
import type { TestResult } from '../model.js';
import { buildPlan, scenarioSeed } from '../scenario/plan.js';
import { buildPrograms, type BuiltProgram } from '../scenario/programs.js';
import { runScenario } from '../scenario/run-scenario.js';
import type { ScenarioSpec, ScenarioSuite } from '../scenario/types.js';
import { allOrNothing } from '../scoring/score.js';
import { makeResult, type RunContext } from './context.js';
import { publishRunReport } from './run-report-link.js';

const MAX_DETAIL_LINES = 120;

export async function gradeScenarioSuite(ctx: RunContext, suite: ScenarioSuite, diagnostics: DiagnosticsContext): Promise<TestResult[]> {
  const scenarios = suite.scenarios.filter((sc) => ctx.selected(`${suite.id}/${sc.name}`));
  if (scenarios.length === 0) return [];
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

  const runOne = async (sc: ScenarioSpec): Promise<TestResult> => {
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
    ctx.progress.started?.(id);
    const seed = scenarioSeed(ctx.seed, id);
    const plan = buildPlan(sc, seed);
    // Each node (and the checker) runs as its own run uid, leased by the engine; everything of those uids dies when it ends.
    const outcome = await runScenario({
      testId: id,
      spec: sc,
      plan,
      binaries: new Map([...built].flatMap(([n, b]) => (b.ok ? [[n, b.binary] as const] : []))),
      faultnet,
      artifactsDir: path.join(artifactsRoot, suite.id, sc.name),
      scratchDir: path.join(ctx.workDir, 'scratch', `scenario-${suite.id}-${sc.name}`),
      outputBytes: suite.outputBytes,
      floodLimitBytes: m.limits.processOutputBytes,
      rerun,
      backend: ctx.backend,
    });
    const report = outcome.verdict === 'passed' ? undefined : await publishRunReport(ctx, outcome.record, outcome.paths.report, suite.id, sc.name);
    const lines: string[] = [];
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
        verdict: outcome.verdict,
        score: allOrNothing(outcome.verdict, sc.points),
        durationMs: outcome.durationMs,
        summary: outcome.reason,
        output: lines.join('\n'),
        ...(report?.link ? { runReport: report.link } : {}),
      }),
    );
  };
  const finish = (r: TestResult): TestResult => {
    ctx.progress.finished?.(r);
    return r;
  };

  const results = new Map<string, TestResult>();
  await Promise.all(scenarios.filter((s) => !s.exclusive).map((sc) => ctx.limit(async () => results.set(sc.name, await runOne(sc)))));
  for (const sc of scenarios.filter((s) => s.exclusive)) results.set(sc.name, await runOne(sc));
  return scenarios.map((sc) => results.get(sc.name)!);
}
