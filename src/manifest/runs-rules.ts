/**
 * The rules of `runs` and `passRule` (docs/manifest.md#runs-and-passrule) that the schema cannot
 * say: a setting and its older alias on one test (`runs` and `repeat`, `passRule` and
 * `partialCredit`) are refused — which one was meant is a guess — and a rule that cannot do what
 * it says with the test's runs gets a warning.
 */
import type { ManifestIssue } from '../errors.js';
import { runsNeeded } from '../scoring/pass-rule.js';
import type { RawManifest } from './defaults.js';
import type { Manifest } from './types.js';

/** Tests of the raw (schema-valid) manifest that set a setting and its alias together. */
export function rawRunsIssues(raw: RawManifest, file: string): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  raw.suites.forEach((s, i) => {
    if (s.kind !== 'gotest') return;
    s.tests.forEach((t, j) => {
      const at = `/suites/${i}/tests/${j}`;
      const what = t.name ?? `pattern ${t.pattern}`;
      if (t.runs !== undefined && t.repeat !== undefined) {
        issues.push({
          file,
          pointer: `${at}/repeat`,
          message: `test ${what} sets both "runs" (${t.runs}) and "repeat" (${t.repeat}), which are one setting under two names`,
          fix: `keep "runs": ${t.runs === t.repeat ? t.runs : '<n>'} and remove "repeat" (its older name)`,
        });
      }
      if (t.passRule !== undefined && t.partialCredit !== undefined) {
        issues.push({
          file,
          pointer: `${at}/partialCredit`,
          message: `test ${what} sets both "passRule" and "partialCredit", which are one setting under two names`,
          fix: `keep "passRule" and remove "partialCredit" (true is "passRule": "rate", false is "passRule": "all")`,
        });
      }
    });
  });
  return issues;
}

/** Warnings about pass rules that cannot work as written with their tests' runs. */
export function runsWarnings(m: Manifest): string[] {
  const warnings: string[] = [];
  for (const s of m.suites) {
    if (s.kind !== 'gotest') continue;
    for (const t of s.tests) {
      const id = `${s.id}/${t.name}`;
      const r = t.passRule;
      if (r.rule === 'all') continue;
      if (t.runs === 1) {
        warnings.push(`${id}: passRule ${r.rule === 'rate' ? '"rate"' : `{"minRate": ${r.minRate}}`} with a single run scores all or nothing: set "runs" to 2 or more`);
      } else if (r.rule === 'threshold' && r.minRate >= 1) {
        warnings.push(`${id}: {"minRate": 1} is the rule "all": write "passRule": "all"`);
      } else if (r.rule === 'threshold' && runsNeeded(r.minRate, t.runs) === t.runs) {
        // The fewest runs of which this rate forgives one failure: n with ceil(r·n) ≤ n − 1.
        const fewest = Math.ceil(1 / (1 - r.minRate) - 1e-9);
        warnings.push(`${id}: minRate ${r.minRate} of ${t.runs} runs needs all ${t.runs} to pass, the same as "all": set "runs" to ${fewest} or more, or use "passRule": "all"`);
      }
    }
  }
  return warnings;
}
