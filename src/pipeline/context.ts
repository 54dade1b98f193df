/**
 * What every grading stage of one run shares: the loaded project, the work folder, the toolchain,
 * the limiter. Plain data plus a few helpers; no stage keeps state here. The run's results.json
 * nonce is deliberately not here: no stage can hand it to student code (each test attempt has its
 * own secret, src/gotest/record.ts).
 */
import type { LimitFunction } from 'p-limit';
import type { GoToolchain } from '../go/go-env.js';
import type { LoadedManifest } from '../manifest/load.js';
import type { TestResult } from '../model.js';
import type { Backend } from '../sandbox/backend.js';

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
  limit: LimitFunction;
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
