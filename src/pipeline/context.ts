/**
 * What every grading stage of one run shares: the loaded project, the work folder, the toolchain,
 * the load probe. Plain data plus a few helpers; no stage keeps state here. The run's results.json
 * nonce is deliberately not here: no stage can hand it to student code (each test attempt has its
 * own secret, src/gotest/record.ts).
 */
import type { GoToolchain } from '../go/go-env.js';
import type { LoadedManifest } from '../manifest/load.js';
import type { ItemTiming } from '../manifest/timings.js';
import type { LoadFigures, TestResult } from '../model.js';
import type { Backend } from '../sandbox/backend.js';
import { monotonicMs, type LoadProbe } from '../sandbox/load-probe.js';
import { loadFigures } from '../schedule/load.js';
import type { JobEstimate } from '../schedule/scheduler.js';
import type { OverloadContext } from '../scoring/overload.js';
import type { Job, RunHow } from './job-runner.js';

export interface ProgressListener {
  planned?(total: number): void;
  started?(id: string): void;
  finished?(result: TestResult): void;
}

export interface RunContext {
  project: LoadedManifest;
  /** Where student builds and processes run, chosen once for the run (src/sandbox/backend.ts). */
  backend: Backend;
  /** This machine's Go and dsgrade's cache: for dsgrade's own programs (harness tools), never student code. */
  toolchain: GoToolchain;
  cacheDir: string;
  workDir: string;
  moduleDir: string;
  seed: number;
  /** The run's load probe, where student processes run (docs/scheduling.md). */
  probe: LoadProbe;
  /** Cores student processes may use: what the overload rule compares an attempt's own CPU use with. */
  cores: number;
  /** `dsgrade grade <submission> --project <dir>` as the user can type it. */
  rerunBase: string;
  selected(id: string): boolean;
  progress: ProgressListener;
  /** Tree path → the name the student knows the file by. */
  displayName(treePath: string): string;
  /** The handed-in files' tree paths (relative to the module root): whose goroutines count as the submission's. */
  studentFiles: readonly string[];
  /** Where scenario artifacts go (kept after the run); default: inside the work folder (removed with it). */
  artifactsDir?: string;
  /** Where results are written: run reports of failed scenarios go to <resultsDir>/run-reports/. */
  resultsDir?: string;
}

/** A TestResult whose single attempt and flakiness can be left to makeResult. */
export type ResultInput = Omit<TestResult, 'attempts' | 'flaky'> & Partial<Pick<TestResult, 'attempts' | 'flaky'>>;

export function makeResult(r: ResultInput): TestResult {
  return {
    ...r,
    attempts: r.attempts ?? [{ verdict: r.verdict, durationMs: r.durationMs, reason: r.verdict === 'passed' ? '' : r.summary }],
    flaky: r.flaky ?? false,
  };
}

/** `--only` accepts exact ids, suite ids, and globs with `*` (e.g. `partA/TestBasic*`). */
export function selector(only: readonly string[] | undefined): (id: string) => boolean {
  if (!only || only.length === 0) return () => true;
  const res = only.map((o) => new RegExp(`^${o.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}(/.*)?$`));
  return (id) => res.some((re) => re.test(id));
}

/** What a stage hands the run: its jobs (scheduled with every other stage's), and its results once they are done. */
export interface SuitePlan {
  jobs: Job[];
  results(): TestResult[];
}

/**
 * A stage's plan whose results are computed once, as soon as its last job has finished (so they
 * reach progress listeners, and partial results at a time budget, without waiting for the run).
 */
export function settledPlan(jobs: Job[], compute: () => TestResult[]): SuitePlan {
  let cached: TestResult[] | undefined;
  const results = (): TestResult[] => (cached ??= compute());
  let left = jobs.length;
  const settle = (): void => {
    if (--left === 0) results();
  };
  const wrapped = jobs.map(
    (job): Job => ({
      id: job.id,
      exclusive: job.exclusive,
      estimate: job.estimate,
      get lastUsage() {
        return job.lastUsage;
      },
      run: async (how) => {
        const status = await job.run(how);
        if (status === 'done') settle();
        return status;
      },
      giveUp: async () => {
        await job.giveUp();
        settle();
      },
    }),
  );
  if (jobs.length === 0) results();
  return { jobs: wrapped, results };
}

/** A plan with nothing left to run: its results are already known. */
export function noJobs(results: TestResult[]): SuitePlan {
  return { jobs: [], results: () => results };
}

/** The scheduler's estimate for an item from the project's timings.json: `runs` runs of it in a row. */
export function estimateOf(ctx: RunContext, itemId: string, runs = 1): JobEstimate {
  const t: ItemTiming | undefined = ctx.project.timings?.tests[itemId];
  if (!t) return {};
  return { wallMs: t.wallMs * runs, cpuRate: t.cpuRate, ...(t.peakRssBytes !== undefined ? { peakRssBytes: t.peakRssBytes } : {}) };
}

/** What overload voiding needs to know of one attempt of `itemId` (src/scoring/overload.ts). */
export function overloadContextOf(ctx: RunContext, itemId: string, how: Pick<RunHow, 'ranAlone'>): OverloadContext {
  const t: ItemTiming | undefined = ctx.project.timings?.tests[itemId];
  return { ranAlone: how.ranAlone(), cores: ctx.cores, ...(t ? { expectedCpuRate: t.cpuRate, expectedCpuMs: t.cpuRate * t.wallMs } : {}) };
}

/** The probe's figures from `startedMs` (monotonicMs) until now. */
export function loadSince(ctx: RunContext, startedMs: number): LoadFigures {
  return loadFigures(ctx.probe.window(startedMs, monotonicMs()));
}
