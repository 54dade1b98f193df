/**
 * Overload is the grader's problem, not the student's (docs/scheduling.md#overload): an attempt
 * that failed while the load probe showed the machine overloaded does not count — not as a run,
 * a repeat, a retry or evidence of flakiness — and is run again once the machine is quiet. Pure:
 * the decision, the words; pipeline/job-runner.ts does the waiting and the rerunning.
 *
 * It never masks a real failure: a failure that repeats on a quiet machine counts, and so does
 * - one whose evidence no overload can produce (a race report, a Go runtime fatal error such as
 *   out of memory: `loadIndependent`, from gotest/verdict.ts);
 * - one the attempt caused itself: when it ran alone and its own processes used most of the cores,
 *   or half of them and at least twice what the reference's run of the same test uses
 *   (timings.json), the overload was the submission's (a busy loop, a fork bomb), not the machine's;
 * - one whose processes got many times the CPU time the reference needs for the whole test: the
 *   machine gave it enough CPU to finish, so a lack of CPU did not make it fail. Unlike a share of
 *   the cores this does not depend on what else runs: beside a CPU hog a busy loop gets one core
 *   of two, below any share rule, yet still a hundred times what a correct TestBasic1 uses.
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

/**
 * An attempt whose processes used this many times the reference's CPU time for the test, and at
 * least OWN_CPU_FLOOR_MS, got enough CPU to finish. The factor leaves room for a correct solution
 * less frugal than the reference (and for cache misses under contention, ~1.5×); the floor keeps
 * tests that cost the reference a few milliseconds from turning on noise.
 */
export const OVER_REFERENCE_CPU = 5;
export const OWN_CPU_FLOOR_MS = 100;

export interface JudgedAttempt {
  verdict: Verdict;
  durationMs: number;
  usage?: ResourceUsage;
  load?: LoadFigures;
  /** The failure's evidence cannot come from overload (gotest/verdict.ts loadIndependentEvidence). */
  loadIndependent?: string;
}

export interface OverloadContext {
  /** Nothing else of this grading run ran beside the attempt (an exclusive test, a quiet rerun). */
  ranAlone: boolean;
  /** Cores available to student processes. */
  cores: number;
  /** The reference's CPU rate for this test (the project's timings.json), when it is known. */
  expectedCpuRate?: number | undefined;
  /** The reference's CPU time for one run of this test (timings.json), when it is known. */
  expectedCpuMs?: number | undefined;
}

/**
 * Below this CPU rate (cores) an attempt mostly slept: contention alone (the stall share, with
 * wake-ups on time) cannot have made it fail, so its failure counts. A hog beside a grade makes
 * the stall share ~1 all the time; voiding every failure then would leave every real bug of a
 * waiting test undecided (measured: P0's killed-clients scenario on a mutant, 0.07 cores).
 */
export const CONTENTION_SENSITIVE_RATE = 0.25;

/** What overload means for one attempt: void (rerun it when quiet), or counted, with why when the machine was overloaded. */
export interface OverloadDecision {
  voided: boolean;
  /** Why a failure under overload counts, in words for the student (only when it failed under overload and counts). */
  counts?: string;
}

const BUSY_HINT = 'Look for busy loops (a for/select with a default case, polling without sleeping) and for processes or goroutines started in a loop.';

/**
 * Whether the attempt is void: it failed, the probe showed an overload that can have caused it
 * (lateness or a starved probe; contention only for an attempt that computed), the failure's
 * evidence is of a kind overload can produce, and the overload was not the attempt's own.
 */
export function decideOverload(a: JudgedAttempt, ctx: OverloadContext): OverloadDecision {
  if (a.verdict !== 'failed' || !a.load?.overloaded) return { voided: false };
  if (a.loadIndependent) return { voided: false, counts: `its failure (${a.loadIndependent}) is not one a slow machine can cause` };
  const rate = cpuRate(a);
  if (!starved(a.load) && rate !== undefined && rate < CONTENTION_SENSITIVE_RATE) {
    return { voided: false, counts: `it mostly waited (its processes used ${rate.toFixed(2)} cores) and the machine woke it on time, so the contention did not make it fail` };
  }
  if (gotEnoughCpu(a, ctx)) {
    const times = Math.round(a.usage!.cpuMs / Math.max(1, ctx.expectedCpuMs!));
    return { voided: false, counts: `its processes got ${(a.usage!.cpuMs / 1000).toFixed(1)} s of CPU, ${times} times what a correct solution needs for this whole test, so a lack of CPU did not make it fail. ${BUSY_HINT}` };
  }
  if (selfInflicted(a, ctx)) {
    return { voided: false, counts: `the machine was overloaded by this test itself: it ran alone and its processes used ${rate!.toFixed(2)} of the ${ctx.cores} cores. ${BUSY_HINT}` };
  }
  return { voided: true };
}

export function voidedByOverload(a: JudgedAttempt, ctx: OverloadContext): boolean {
  return decideOverload(a, ctx).voided;
}

/** The attempt as the stages keep it: marked void, or with why its failure under overload counts. */
export function markOverload<A extends object>(a: A, d: OverloadDecision): A & Pick<Attempt, 'voided' | 'overloadCounted'> {
  if (d.voided) return { ...a, voided: 'overload' };
  return d.counts ? { ...a, overloadCounted: d.counts } : a;
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

/** OVER_REFERENCE_CPU times the reference's CPU time for the test, and at least OWN_CPU_FLOOR_MS. */
function gotEnoughCpu(a: Pick<JudgedAttempt, 'usage'>, ctx: Pick<OverloadContext, 'expectedCpuMs'>): boolean {
  if (!a.usage || ctx.expectedCpuMs === undefined) return false;
  return a.usage.cpuMs >= OWN_CPU_FLOOR_MS && a.usage.cpuMs >= OVER_REFERENCE_CPU * ctx.expectedCpuMs;
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
 * each counted failure under overload with why it counts, and the give-up.
 */
export function overloadLines(attempts: readonly Attempt[], gaveUp: boolean): string[] {
  const lines: string[] = [];
  attempts.forEach((a, i) => {
    if (a.voided && a.load) {
      lines.push(`Run ${i + 1} failed while the grading machine was overloaded (${describeLoad(a.load)}). It does not count: dsgrade ran the test again once the machine was quiet.`);
    } else if (a.verdict === 'failed' && a.overloadCounted) {
      lines.push(`Run ${i + 1} failed while the grading machine was overloaded${a.load ? ` (${describeLoad(a.load)})` : ''}, and it counts: ${a.overloadCounted}.`);
    }
  });
  if (gaveUp) {
    lines.push(`The grading machine stayed overloaded, so dsgrade could not rerun this test on a quiet machine: ${OVERLOAD_ERROR}. This says nothing about your code.`);
  }
  return lines;
}
