/**
 * The manifest's static checks (imports, gofmt, channel buffers, sizes) as test results, judged
 * from dsgrade-vet's reports of the handed-in files: nothing is built or run here.
 */
import { evaluateCheck } from '../checks/static-checks.js';
import type { VetFileReport } from '../checks/vet-client.js';
import type { IntakeResult } from '../intake/intake.js';
import type { TestResult } from '../model.js';
import { allOrNothing } from '../scoring/score.js';
import { makeResult, type RunContext } from './context.js';

export function gradeStaticChecks(ctx: RunContext, intake: IntakeResult, reports: Map<string, VetFileReport>): TestResult[] {
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
    const result = makeResult({ ...base, verdict: outcome.verdict, score: allOrNothing(outcome.verdict, check.points), summary: outcome.summary, output: outcome.output });
    ctx.progress.finished?.(result);
    return result;
  });
}
