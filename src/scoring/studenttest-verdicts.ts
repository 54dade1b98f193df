/**
 * From the runs of a student's tests on one implementation to that implementation's verdict
 * (P0 part B). Which way a run goes depends on Go's scheduler, which no seed replays, so an
 * implementation is run several times and more than half of the runs decide: on the correct
 * implementation the tests must pass, on a buggy one they must fail. Runs that disagree are
 * reported as flaky, with the counts, in words a student can act on. Pure: no I/O.
 */
import type { LoadFigures } from '../core/load-figures.js';
import type { ResourceUsage } from '../core/resource-usage.js';
import type { Attempt, Verdict } from '../model.js';

/** One run of the student's test binary on one implementation. */
export interface TestRun {
  /** The student's tests passed (exit 0). */
  testsPassed: boolean;
  /** The run hit the time limit (then it is not repeated). */
  timedOut: boolean;
  /** One line: "they passed", "TestX failed", "they did not finish within 60 s", … */
  reason: string;
  output: string;
  durationMs: number;
  /** What the run's processes used, when measured. */
  usage?: ResourceUsage;
  /** What the load probe saw during the run. */
  load?: LoadFigures;
}

export interface VariantVerdict {
  verdict: Verdict;
  summary: string;
  output: string;
  /** One per run; `passed` means the run went the student's way. */
  attempts: Attempt[];
  flaky: boolean;
}

/** More than half of the runs; a tie (an even number of runs) decides against the student. */
function majority(n: number, runs: number): boolean {
  return n * 2 > runs;
}

/** Said when a run hit the time limit and the others were therefore skipped. */
function notRepeated(runs: readonly TestRun[], planned: number): string {
  return runs.length < planned && runs.some((r) => r.timedOut) ? ' That run reached the time limit, so dsgrade did not repeat it.' : '';
}

/** " in all 3 runs" / " in 2 of 3 runs"; nothing when there was a single run. */
function inRuns(n: number, runs: number): string {
  if (runs <= 1) return '';
  return n === runs ? ` in all ${runs} runs` : ` in ${n} of ${runs} runs`;
}

function attempts(runs: readonly TestRun[], good: (r: TestRun) => boolean, badReason: string): Pick<VariantVerdict, 'attempts' | 'flaky'> {
  const list: Attempt[] = runs.map((r) => ({
    verdict: good(r) ? 'passed' : 'failed',
    durationMs: r.durationMs,
    reason: good(r) ? '' : `${badReason} (${r.reason})`,
    ...(r.usage ? { usage: r.usage } : {}),
    ...(r.load ? { load: r.load } : {}),
  }));
  const goodRuns = list.filter((a) => a.verdict === 'passed').length;
  return { attempts: list, flaky: goodRuns > 0 && goodRuns < list.length };
}

const DEPENDS = 'so they depend on timing or on the scheduler';

/** The student's tests on the correct implementation: they must pass. */
export function judgeCorrect(runs: readonly TestRun[], fileName: string, planned = runs.length): VariantVerdict {
  if (runs.length === 0) throw new Error('judgeCorrect needs at least one run');
  const passed = runs.filter((r) => r.testsPassed).length;
  const failedRuns = runs.length - passed;
  const firstFailure = runs.find((r) => !r.testsPassed);
  const a = attempts(runs, (r) => r.testsPassed, 'your tests failed on the correct implementation');
  if (majority(passed, runs.length)) {
    const warning = firstFailure
      ? `\n\nBut they FAILED in ${failedRuns} of the ${runs.length} runs (${firstFailure.reason}), ${DEPENDS}: on another grading the majority may go the other way, and failing here costs every point of this part. Tests must pass every time; the failing run's output is below.`
      : '';
    const shown = firstFailure ?? runs[0]!;
    return { verdict: 'passed', summary: '', output: `Your tests in ${fileName} pass on the correct implementation${inRuns(passed, runs.length)}, as they should.${warning}\n\n--- output${firstFailure ? ' of the failing run' : ''} ---\n${shown.output}`, ...a };
  }
  return {
    verdict: 'failed',
    summary: `your tests fail on the correct implementation${passed > 0 ? ` (in ${failedRuns} of ${runs.length} runs)` : ''}: ${firstFailure!.reason}`,
    output: `Your tests in ${fileName} must PASS on the correct implementation, but they failed${inRuns(failedRuns, runs.length)}: ${firstFailure!.reason}.${notRepeated(runs, planned)}${passed > 0 ? `\nThey passed in the other ${passed === 1 ? 'run' : `${passed} runs`}, ${DEPENDS}.` : ''}\n\n--- output ---\n${firstFailure!.output}`,
    ...a,
  };
}

/** The student's tests on a buggy implementation: they must fail (catch it). */
export function judgeBuggy(runs: readonly TestRun[], fileName: string, hint: string | undefined, planned = runs.length): VariantVerdict {
  if (runs.length === 0) throw new Error('judgeBuggy needs at least one run');
  const caught = runs.filter((r) => !r.testsPassed).length;
  const firstCatch = runs.find((r) => !r.testsPassed);
  const firstMiss = runs.find((r) => r.testsPassed);
  const a = attempts(runs, (r) => !r.testsPassed, 'your tests passed on the buggy implementation');
  const mixed = `They caught it in ${caught} of ${runs.length} runs and missed it in the others, ${DEPENDS}; the majority decides.`;
  if (majority(caught, runs.length)) {
    return {
      verdict: 'passed',
      summary: '',
      output: `Your tests failed on this buggy implementation${inRuns(caught, runs.length)}, as they should (${firstCatch!.reason}).${notRepeated(runs, planned)}${firstMiss ? `\n${mixed} A test that checks the broken promise deterministically catches it every time.` : ''}`,
      ...a,
    };
  }
  return {
    verdict: 'failed',
    summary: `your tests pass on a buggy implementation${caught > 0 ? ` (caught in only ${caught} of ${runs.length} runs)` : ''}${hint ? `: ${hint}` : ''}`,
    output: `Your tests in ${fileName} passed on a buggy implementation${inRuns(runs.length - caught, runs.length)}; they should have failed.${caught > 0 ? `\n${mixed}` : ''}${hint ? `\nHint: ${hint}` : ''}\n\n--- output ---\n${firstMiss!.output}`,
    ...a,
  };
}
