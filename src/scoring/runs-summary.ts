/**
 * The words of pass-rate grading, shared by the go-test stage (a test's output) and every reporter
 * (terminal, Gradescope, JUnit, HTML, JSON): "passed 7 of 8 runs (failing seeds 123, 456)", the
 * pass rate with its 95 % interval, and per failing run the command that reruns it — said honestly:
 * a seed replays what the suite's `seedReplays` names (the network's faults), never how goroutines
 * interleave, so a rerun may pass. Pure.
 */
import type { Attempt, RunsSummary } from '../model.js';
import { percent, wilsonInterval } from './pass-rule.js';

/** What a rerun promises when the suite does not say what its seed replays. */
export const DEFAULT_REPLAYS = 'the same seed';

/** Failing runs whose rerun lines a test's output lists; the JSON keeps them all. */
export const MAX_RERUN_LINES = 5;

/**
 * The summary of a test's counted runs (voided ones already left out), or undefined for a single
 * run. `rerun(seed)` is the command that reruns one run with that seed.
 */
export function summarizeRuns(counted: readonly Attempt[], rule: string, replays: string | undefined, rerun: (seed: number) => string): RunsSummary | undefined {
  if (counted.length <= 1) return undefined;
  const passed = counted.filter((a) => a.verdict === 'passed').length;
  const failed = counted.filter((a) => a.verdict === 'failed').length;
  const decided = passed + failed;
  return {
    counted: counted.length,
    passed,
    failed,
    errors: counted.length - decided,
    rule,
    ...(decided > 0 ? { passRate: passed / decided, interval: wilsonInterval(passed, decided) } : {}),
    failing: counted.flatMap((a, i) => (a.verdict === 'failed' && a.seed !== undefined ? [{ run: i + 1, seed: a.seed, rerun: rerun(a.seed) }] : [])),
    replays: replays ?? DEFAULT_REPLAYS,
  };
}

/** "passed 7 of 8 runs (failing seeds 123, 456)"; undecided runs are said apart. */
export function runsHeadline(s: RunsSummary): string {
  const undecided = s.errors > 0 ? `, ${s.errors} could not be decided` : '';
  const seeds = s.failing.map((f) => f.seed);
  const shown = seeds.slice(0, 8).join(', ') + (seeds.length > 8 ? `, … (${seeds.length} in all)` : '');
  const failing = seeds.length === 0 ? '' : ` (failing seed${seeds.length === 1 ? '' : 's'} ${shown})`;
  return `passed ${s.passed} of ${s.counted} runs${undecided}${failing}`;
}

/** "pass rate 88 % (95 % interval 53 %–98 %)", or undefined when no run was decided. */
export function passRateText(s: RunsSummary): string | undefined {
  if (s.passRate === undefined || !s.interval) return undefined;
  return `pass rate ${percent(s.passRate)} (95 % confidence interval ${percent(s.interval.low)}–${percent(s.interval.high)}, Wilson)`;
}

/** The rerun line of one failing run, honest about what its seed replays. */
export function rerunLine(s: Pick<RunsSummary, 'replays'>, f: RunsSummary['failing'][number]): string {
  return `Run ${f.run} (seed ${f.seed}) reruns with ${s.replays} — not the same goroutine interleaving, so it may pass — in the module folder with the staff tests: ${f.rerun}`;
}

/**
 * The lines a test's output gets: the headline with the pass rate, the rule and what it gave, a
 * word on flakiness, and the rerun line of the first failing runs.
 */
export function runsLines(s: RunsSummary, scored: { score: number; maxScore: number }): string[] {
  const rate = passRateText(s);
  const head = runsHeadline(s);
  const lines = [`${head.charAt(0).toUpperCase()}${head.slice(1)}${rate ? `: ${rate}` : ''}.`, `Scoring rule: ${s.rule}; this test scores ${scored.score} of ${scored.maxScore} points.`];
  if (s.passed > 0 && s.failed > 0) lines.push('The outcome changes from run to run (flaky): look for races and timing assumptions.');
  for (const f of s.failing.slice(0, MAX_RERUN_LINES)) lines.push(rerunLine(s, f));
  if (s.failing.length > MAX_RERUN_LINES) lines.push(`(${s.failing.length - MAX_RERUN_LINES} more failing runs: rerun each the same way with its own seed.)`);
  return lines;
}
