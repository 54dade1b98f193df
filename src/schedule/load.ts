/**
 * Reading the load probe (src/sandbox/load-probe.ts; docs/scheduling.md#reading-the-probe-figures),
 * pure: a window of samples → the figures kept with an attempt, whether they show the machine
 * overloaded, and whether it is quiet enough to rerun a test whose failure may have been the
 * machine's. The thresholds are named here and only here.
 */
import type { LoadFigures } from '../core/load-figures.js';
import type { ProbeWindow } from '../sandbox/load-probe.js';

export type { LoadFigures };

/**
 * Overloaded: the window's CPU stall share, sleep lateness or the probe's own coverage passed one
 * of these. A stall share of 0.5 means that half of the time some runnable task of the machine (or
 * of dsgrade's cgroup) waited for a CPU; 20 ms late at the 99th percentile, or 200 ms once, is
 * what a CPU quota's throttling or a starved virtual machine looks like; a probe that got fewer
 * than 80 % of its wake-ups was itself starved.
 */
export const OVERLOADED = { stallShare: 0.5, lateP99Ms: 20, lateMaxMs: 200, minCoverage: 0.8 } as const;

/** Quiet, over the last QUIET_WINDOW_MS: little contention, prompt wake-ups, a probe that ran on time. */
export const QUIET = { stallShare: 0.2, lateP99Ms: 5, lateMaxMs: 40, minCoverage: 0.9 } as const;
export const QUIET_WINDOW_MS = 2000;

/** Windows shorter than this say too little for coverage to count (a few wake-ups). */
const MIN_COVERAGE_WINDOW_MS = 500;

/** The figures of one window. */
export function loadFigures(w: ProbeWindow): LoadFigures {
  const windowMs = Math.max(0, w.toMs - w.fromMs);
  const late = [...w.lateMs].sort((a, b) => a - b);
  const q = (p: number): number => (late.length === 0 ? 0 : late[Math.min(late.length - 1, Math.floor(p * late.length))]!);
  // An idle machine wakes the probe about every period (plus a little): this many wake-ups.
  const expected = windowMs / (w.periodMs + 0.1);
  const figures: LoadFigures = {
    windowMs: Math.round(windowMs),
    lateP50Ms: round2(q(0.5)),
    lateP99Ms: round2(q(0.99)),
    lateMaxMs: round2(late.at(-1) ?? 0),
    coverage: expected >= 1 ? Math.min(1, round2(late.length / expected)) : 1,
    overloaded: false,
  };
  if (w.stall) {
    figures.stallShare = Math.min(1, round2(w.stall.stalledUs / 1000 / w.stall.spanMs));
    figures.stallSource = w.stall.source;
  }
  figures.overloaded = beyond(figures, OVERLOADED, windowMs, 'over');
  return figures;
}

/**
 * Overloaded by lateness or a starved probe — throttling, a starved virtual machine: every process
 * waits, sleepers too — as opposed to by contention alone (the stall share), which slows what
 * computes but not what mostly sleeps (the kernel wakes sleepers on time beside CPU hogs).
 */
export function starved(f: LoadFigures): boolean {
  return beyond({ ...f, stallShare: undefined }, OVERLOADED, f.windowMs, 'over');
}

/** Whether recent figures (the last QUIET_WINDOW_MS) show a machine quiet enough to rerun a test on. */
export function isQuiet(f: LoadFigures): boolean {
  return !beyond(f, QUIET, f.windowMs, 'quiet');
}

function beyond(f: LoadFigures, t: typeof OVERLOADED | typeof QUIET, windowMs: number, kind: 'over' | 'quiet'): boolean {
  // "over": any figure at or past its threshold; "quiet": any figure past its (lower) one.
  const past = (x: number, limit: number): boolean => (kind === 'over' ? x >= limit : x > limit);
  if (f.stallShare !== undefined && past(f.stallShare, t.stallShare)) return true;
  if (past(f.lateP99Ms, t.lateP99Ms) || past(f.lateMaxMs, t.lateMaxMs)) return true;
  return windowMs >= MIN_COVERAGE_WINDOW_MS && f.coverage < t.minCoverage;
}

/** One line for a test's output: what the probe saw, in words a TA can check against docs/scheduling.md. */
export function describeLoad(f: LoadFigures): string {
  const stall = f.stallShare === undefined ? 'no CPU pressure figures on this kernel' : `CPU stall ${Math.round(f.stallShare * 100)} % of the time (${f.stallSource === 'cgroup' ? "the grader's container" : 'whole machine'})`;
  return `load probe over ${(f.windowMs / 1000).toFixed(1)} s: ${stall}; 10 ms sleeps woke up late by ${f.lateP50Ms} ms (median), ${f.lateP99Ms} ms (99th percentile), ${f.lateMaxMs} ms (worst); ${Math.round(f.coverage * 100)} % of the probe's wake-ups`;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
