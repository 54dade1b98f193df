/**
 * Overload is the grader's problem, not the student's (docs/scheduling.md#overload): an attempt
 * that failed while the load probe showed the machine overloaded does not count — not as a run,
 * a repeat, a retry or evidence of flakiness — and is run again once the machine is quiet. Pure:
 * the decision, the words; pipeline/job-runner.ts does the waiting and the rerunning.
 *
 * It never masks a real failure: a failure that repeats on a quiet machine counts, and so does one
 * the attempt caused itself — when it ran alone and its own processes used most of the cores, or
 * half of them and at least twice what the reference's run of the same test uses (timings.json),
 * the overload was the submission's (a busy loop, a fork bomb), not the machine's.
 */
import type { ResourceUsage } from '../core/resource-usage.js';
import type { LoadFigures } from '../core/load-figures.js';
import type { Attempt, Verdict } from '../model.js';
import { describeLoad, starved } from '../schedule/load.js';

/** The verdict summary when no quiet rerun could decide (the prescribed words). */
export const OVERLOAD_ERROR = 'the grading machine was overloaded; this test will be rerun';

/** An attempt that ran alone and used this share of the cores itself overloaded the machine itself. */
export const SELF_LOAD_SHARE = 0.75;
/**
 * Or this share, when that is also OVER_REFERENCE times what the reference uses for the same test:
 * on a machine where something else takes a core, a spinning submission cannot reach 75 %, yet
 * its overload is still its own. The reference's rate keeps a correct heavy test out of it.
 */
export const SELF_LOAD_SHARE_OVER_REFERENCE = 0.5;
export const OVER_REFERENCE = 2;

export interface JudgedAttempt {
  verdict: Verdict;
  durationMs: number;
  usage?: ResourceUsage;
  load?: LoadFigures;
}

export interface OverloadContext {
  /** Nothing else of this grading run ran beside the attempt (an exclusive test, a quiet rerun). */
  ranAlone: boolean;
  /** Cores available to student processes. */
  cores: number;
  /** The reference's CPU rate for this test (the project's timings.json), when it is known. */
  expectedCpuRate?: number | undefined;
}

/**
 * Below this CPU rate (cores) an attempt mostly slept: contention alone (the stall share, with
 * wake-ups on time) cannot have made it fail, so its failure counts. A hog beside a grade makes
 * the stall share ~1 all the time; voiding every failure then would leave every real bug of a
 * waiting test undecided (measured: P0's killed-clients scenario on a mutant, 0.07 cores).
 */
export const CONTENTION_SENSITIVE_RATE = 0.25;

/**
 * Whether the attempt is void: it failed, the probe showed an overload that can have caused it
 * (lateness or a starved probe; contention only for an attempt that computed), and the overload
 * was not the attempt's own.
 */
export function voidedByOverload(a: JudgedAttempt, ctx: OverloadContext): boolean {
  if (a.verdict !== 'failed' || !a.load?.overloaded) return false;
  const rate = cpuRate(a);
  if (!starved(a.load) && rate !== undefined && rate < CONTENTION_SENSITIVE_RATE) return false;
  return !selfInflicted(a, ctx);
}

/**
 * The attempt ran alone and its own process tree used at least SELF_LOAD_SHARE of the cores, or
 * SELF_LOAD_SHARE_OVER_REFERENCE of them and OVER_REFERENCE times the reference's rate.
 */
export function selfInflicted(a: JudgedAttempt, ctx: OverloadContext): boolean {
  const rate = cpuRate(a);
  if (!ctx.ranAlone || rate === undefined) return false;
  if (rate >= SELF_LOAD_SHARE * ctx.cores) return true;
  const reference = ctx.expectedCpuRate;
  return reference !== undefined && rate >= SELF_LOAD_SHARE_OVER_REFERENCE * ctx.cores && rate >= OVER_REFERENCE * reference;
}

/** The cores the attempt's own process tree used on average; undefined without a usage figure. */
function cpuRate(a: Pick<JudgedAttempt, 'usage' | 'durationMs'>): number | undefined {
  return a.usage && a.durationMs > 0 ? a.usage.cpuMs / a.durationMs : undefined;
}

/** How many quiet reruns a job gets before its verdict is the overload error. */
export const QUIET_RERUNS = 2;

/** The attempts that count: every one not voided by overload. */
export function countedAttempts<A extends Pick<Attempt, 'voided'>>(attempts: readonly A[]): A[] {
  return attempts.filter((a) => !a.voided);
}

/**
 * The lines a test's output gets when overload mattered: each voided run with what the probe saw,
 * a counted failure under overload that was the attempt's own doing, and the give-up.
 */
export function overloadLines(attempts: readonly Attempt[], gaveUp: boolean, ctx: Pick<OverloadContext, 'cores'>): string[] {
  const lines: string[] = [];
  attempts.forEach((a, i) => {
    if (a.voided && a.load) {
      lines.push(`Run ${i + 1} failed while the grading machine was overloaded (${describeLoad(a.load)}). It does not count: dsgrade ran the test again once the machine was quiet.`);
    } else if (a.verdict === 'failed' && a.load?.overloaded && cpuRate(a) !== undefined) {
      lines.push(
        `Run ${i + 1} failed while the machine was overloaded by this test itself: it ran alone and its processes used ${cpuRate(a)!.toFixed(2)} of the ${ctx.cores} cores (${describeLoad(a.load)}). Look for busy loops (a for/select with a default case, polling without sleeping) and for processes or goroutines started in a loop.`,
      );
    }
  });
  if (gaveUp) {
    lines.push(`The grading machine stayed overloaded, so dsgrade could not rerun this test on a quiet machine: ${OVERLOAD_ERROR}. This says nothing about your code.`);
  }
  return lines;
}
