/**
 * The retry policy of a go test (manifest `retry`): reruns of a test whose first `runs` runs did
 * not pass under its pass rule decide its verdict under the policy. Pure: attempts in, verdict, score and the
 * student's explanation out.
 */
import type { GoTestSpec, RetryPolicy } from '../manifest/types.js';
import type { Attempt } from '../model.js';
import { scoreRuns } from './pass-rule.js';
import type { Scored } from './score.js';

const POLICY_TEXT: Record<RetryPolicy['policy'], string> = {
  all: 'every rerun must pass',
  any: 'one passing rerun is enough',
  majority: 'more than half of the reruns must pass',
};

type RetrySpec = Pick<GoTestSpec, 'retry' | 'points' | 'passRule' | 'runs'>;

/** Whether another run is due: the runs first, then reruns only while the runs have not passed. */
export function wantsAnotherRun(t: RetrySpec, attempts: readonly Attempt[]): boolean {
  if (attempts.length < t.runs) return true;
  if (attempts.length >= t.runs + (t.retry?.count ?? 0)) return false;
  return scoreRuns(attempts.slice(0, t.runs), t.points, t.passRule).verdict !== 'passed';
}

/**
 * The verdict after a retry: `reruns` (run because the first `runs` runs did not pass) decide it
 * under the test's policy. A pass after a retry scores full points and is flagged flaky; the
 * student is always told that a retry happened. Undefined when there were no reruns.
 */
export function decideRetry(t: RetrySpec, first: Attempt[], reruns: Attempt[]): { scored: Scored; note: string; summary: string } | undefined {
  if (!t.retry || reruns.length === 0) return undefined;
  const before = scoreRuns(first, t.points, t.passRule);
  const passed = reruns.filter((a) => a.verdict === 'passed').length;
  const n = reruns.length;
  const ok = t.retry.policy === 'all' ? passed === n : t.retry.policy === 'any' ? passed >= 1 : passed * 2 > n;
  const head = `Retried: this test did not pass ${t.runs > 1 ? `its ${t.runs} runs` : 'on its first run'}, so dsgrade reran it ${n} time${n === 1 ? '' : 's'} (policy "${t.retry.policy}": ${POLICY_TEXT[t.retry.policy]}). It passed ${passed} of ${n} rerun${n === 1 ? '' : 's'}`;
  if (ok) {
    return {
      scored: { verdict: 'passed', score: t.points, flaky: true },
      note: `${head}, so it counts as passed. A test that fails and then passes usually means a race or a timing assumption in your code: the output of the failing run is below.`,
      summary: `passed ${passed}/${n} reruns`,
    };
  }
  return {
    scored: { ...before, flaky: before.flaky || passed > 0 },
    note: `${head}, so it still counts as failed.`,
    summary: `passed ${passed}/${n} reruns, policy ${t.retry.policy}`,
  };
}

/** The score of a test's counted attempts: the retry's verdict when there were reruns, else the runs' under the pass rule. */
export function scoreWithRetry(t: RetrySpec, attempts: Attempt[]): { scored: Scored; retry: ReturnType<typeof decideRetry> } {
  const retry = decideRetry(t, attempts.slice(0, t.runs), attempts.slice(t.runs));
  return { scored: retry?.scored ?? scoreRuns(attempts, t.points, t.passRule), retry };
}
