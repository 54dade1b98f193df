/**
 * Running a grading run's jobs (one go test with its repeats, one scenario, one run of a student's
 * tests on one implementation) as the CPU-aware scheduler says (src/schedule/scheduler.ts), then
 * the reruns overload asked for, each alone and only once the machine is quiet
 * (src/scoring/overload.ts, docs/scheduling.md). The wiring only: when to ask the scheduler, when
 * to wait; every decision is made in those two modules.
 */
import { monotonicMs, type LoadProbe } from '../sandbox/load-probe.js';
import { isQuiet, loadFigures, QUIET_WINDOW_MS, type LoadFigures } from '../schedule/load.js';
import { CpuScheduler, type Capacity, type JobEstimate } from '../schedule/scheduler.js';
import { QUIET_RERUNS } from '../scoring/overload.js';
import { throwIfAborted } from './run-control.js';

export type JobStatus = 'done' | 'rerun-when-quiet';

/** What a job learns from the runner while it runs. */
export interface RunHow {
  /**
   * No other job of this grading run has run beside this one since it started. It can turn false
   * while the job runs (a backfilled job starts beside it): ask when judging an attempt.
   */
  ranAlone(): boolean;
}

export interface Job {
  /** The item id (`<suite>/<test>`); a studenttests run adds `#<run>`. */
  readonly id: string;
  readonly exclusive: boolean;
  readonly estimate: JobEstimate;
  /**
   * Runs what is due of the job (its attempts: repeats, retries, or the rerun of a voided one).
   * `rerun-when-quiet`: an attempt failed while the machine was overloaded and does not count.
   */
  run(how: RunHow): Promise<JobStatus>;
  /** No quiet rerun could be had: the job's verdict is the overload error. */
  giveUp(): void | Promise<void>;
  /** What the job's last run measurably used (the scheduler learns the submission's weight from it). */
  readonly lastUsage?: { cpuMs: number; wallMs: number } | undefined;
}

/** How long one job waits for the machine to become quiet, and all of a run's jobs together. */
export const QUIET_WAIT_MS = 30_000;
export const QUIET_WAIT_TOTAL_MS = 120_000;
/** How often the runner looks again when only the probe can change its mind. */
const TICK_MS = 250;
/** The window "overloaded right now" is judged on. */
const NOW_WINDOW_MS = 1000;

export interface RunJobsOptions {
  capacity: Capacity;
  probe: LoadProbe;
  signal?: AbortSignal;
  /** The waits, shortened by tests (default: the constants above and QUIET_WINDOW_MS). */
  timing?: Partial<Timing>;
}

interface Timing {
  tickMs: number;
  quietWaitMs: number;
  quietWaitTotalMs: number;
  quietWindowMs: number;
}

export async function runJobs(jobs: readonly Job[], opts: RunJobsOptions): Promise<void> {
  const timing: Timing = { tickMs: TICK_MS, quietWaitMs: QUIET_WAIT_MS, quietWaitTotalMs: QUIET_WAIT_TOTAL_MS, quietWindowMs: QUIET_WINDOW_MS, ...opts.timing };
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const scheduler = new CpuScheduler(jobs, opts.capacity);
  const running = new Map<string, Promise<void>>();
  const quiet: Job[] = [];
  // Jobs that had another job beside them at some point of their run.
  const shared = new Set<string>();
  const howFor = (id: string): RunHow => ({ ranAlone: () => !shared.has(id) });
  let failure: unknown;
  while (!scheduler.done) {
    throwIfAborted(opts.signal);
    if (failure) throw failure;
    for (const s of scheduler.start(monotonicMs(), overloadedNow(opts.probe))) {
      const job = byId.get(s.id)!;
      shared.delete(job.id);
      if (running.size > 0) for (const id of [job.id, ...running.keys()]) shared.add(id);
      running.set(
        job.id,
        job
          .run(howFor(job.id))
          .then((status) => {
            scheduler.finish(job.id, job.lastUsage);
            if (status === 'rerun-when-quiet') quiet.push(job);
          })
          .catch((err: unknown) => {
            scheduler.finish(job.id);
            failure ??= err;
          })
          .finally(() => running.delete(job.id)),
      );
    }
    if (scheduler.done) break;
    await Promise.race([...running.values(), sleep(timing.tickMs)]);
  }
  if (failure) throw failure;

  // The reruns overload asked for: one at a time, each once the machine is quiet.
  let budgetMs = timing.quietWaitTotalMs;
  const tries = new Map<Job, number>();
  for (let job = quiet.shift(); job; job = quiet.shift()) {
    throwIfAborted(opts.signal);
    tries.set(job, (tries.get(job) ?? 0) + 1);
    const waited = await waitForQuiet(opts.probe, Math.min(timing.quietWaitMs, budgetMs), opts.signal, timing);
    budgetMs = Math.max(0, budgetMs - waited.ms);
    if (!waited.quiet) {
      await job.giveUp();
      continue;
    }
    shared.delete(job.id);
    const status = await job.run(howFor(job.id));
    if (status === 'rerun-when-quiet') {
      if (tries.get(job)! < QUIET_RERUNS) quiet.push(job);
      else await job.giveUp();
    }
  }
}

/** The probe's figures for the last second say overloaded: nothing new joins what runs. */
function overloadedNow(probe: LoadProbe): boolean {
  const now = monotonicMs();
  return loadFigures(probe.window(now - NOW_WINDOW_MS, now)).overloaded;
}

/**
 * Waits until the last QUIET_WINDOW_MS of the probe's figures are quiet (src/schedule/load.ts),
 * at most `maxMs`. Returns whether it became quiet and how long it waited.
 */
export async function waitForQuiet(
  probe: LoadProbe,
  maxMs: number,
  signal?: AbortSignal,
  timing: Pick<Timing, 'tickMs' | 'quietWindowMs'> = { tickMs: TICK_MS, quietWindowMs: QUIET_WINDOW_MS },
): Promise<{ quiet: boolean; ms: number; figures: LoadFigures }> {
  const started = monotonicMs();
  // The window must lie after the jobs that ran before: their load is not the machine's.
  for (;;) {
    const now = monotonicMs();
    const figures = loadFigures(probe.window(Math.max(started, now - timing.quietWindowMs), now));
    if (now - started >= timing.quietWindowMs && isQuiet(figures)) return { quiet: true, ms: now - started, figures };
    if (now - started >= maxMs) return { quiet: false, ms: now - started, figures };
    throwIfAborted(signal);
    await sleep(timing.tickMs);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

