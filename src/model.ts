/**
 * The plain data that flows between stages: manifest → build → run → results → reports.
 * Nothing in here does I/O; every stage takes and returns these shapes.
 */
import type { LoadFigures } from './core/load-figures.js';
import type { ResourceUsage } from './core/resource-usage.js';

export type { LoadFigures, ResourceUsage };

/** Gradescope's visibility values (see ../shared/specs/gradescope.md). */
export type Visibility = 'hidden' | 'after_due_date' | 'after_published' | 'visible';

/**
 * Three outcomes for every graded check. `error` means dsgrade could not decide (its own fault, or the
 * environment's); it scores 0 but always says so, and is never presented as the student's failure.
 */
export type Verdict = 'passed' | 'failed' | 'error';

/** One execution of a check (a test may be repeated). */
export interface Attempt {
  verdict: Verdict;
  durationMs: number;
  /** One line: why it failed, or empty when it passed. */
  reason: string;
  /** What the attempt's processes used (CPU time, peak memory), when the sandbox measured it (docs/scheduling.md). */
  usage?: ResourceUsage;
  /** What the load probe saw while the attempt ran (docs/scheduling.md#reading-the-probe-figures). */
  load?: LoadFigures;
  /**
   * The attempt does not count: it failed while the grading machine was overloaded, and it was run
   * again once the machine was quiet (src/scoring/overload.ts).
   */
  voided?: 'overload';
  /**
   * It failed while the machine was overloaded and counts all the same: why, in words for the
   * student (src/scoring/overload.ts decideOverload).
   */
  overloadCounted?: string;
  /** The seed the attempt got (DSGRADE_SEED and the suite's seedEnv), for go tests. */
  seed?: number;
}

/**
 * A go test graded over several runs (manifest `runs`, docs/manifest.md#runs-and-passrule): how
 * many counted runs passed, the rule that scored them, the pass rate with its 95 % interval, and
 * every failing run with its seed and the command that reruns it.
 */
export interface RunsSummary {
  /** Counted runs: voided ones (overload) are not counted; retry reruns are. */
  counted: number;
  passed: number;
  failed: number;
  /** Runs dsgrade could not decide: neither a pass nor a failure. */
  errors: number;
  /** The scoring rule in words ("every run must pass", …). */
  rule: string;
  /** passed / (passed + failed); absent when no run was decided. */
  passRate?: number;
  /** Wilson score interval (95 %) of the pass rate. */
  interval?: { low: number; high: number };
  /** Each failing run: its number among the counted runs (from 1), its seed, the command that reruns it. */
  failing: { run: number; seed: number; rerun: string }[];
  /** What a rerun with the same seed replays, as the rerun line says it ("the same network faults"). */
  replays: string;
}

export interface TestResult {
  /** Stable id: `<suite>/<test>`, used by `--only`, JUnit and regressions. */
  id: string;
  suite: string;
  name: string;
  number?: string;
  verdict: Verdict;
  score: number;
  maxScore: number;
  visibility: Visibility;
  tags: string[];
  durationMs: number;
  /** First line of the failure (or the pass note), for tables. */
  summary: string;
  /** Full text for the student: what failed, why, the captured output, how to rerun. */
  output: string;
  /** Shell command that reruns this check locally, when there is one. */
  rerun?: string;
  attempts: Attempt[];
  /** Mixed outcomes across repeats. */
  flaky: boolean;
  /** A go test with several counted runs: its pass rate and failing seeds. */
  runs?: RunsSummary;
  /** Run report of a failed scenario (HTML), relative to the results folder, or absolute. */
  runReport?: string;
}

/** A message about the submission as a whole (unexpected files, ignored staff copies, …). */
export interface Notice {
  level: 'info' | 'warning' | 'error';
  message: string;
}

export interface Versions {
  dsgrade: string;
  node: string;
  go: string;
}

/**
 * A submission the static gate refused (docs/security.md): nothing was built or run, every test
 * scored 0, and every reporter says so and that a human can review it.
 */
export interface NotGraded {
  /** One line naming the first finding: `not graded: server_impl.go:10: import "C" (cgo) is not allowed (rule "C")`. */
  summary: string;
  /** Every finding, files named the way the student knows them; line 0 is the file as a whole. */
  findings: { file: string; line: number; rule: string; what: string }[];
}

export interface GradeReport {
  project: string;
  projectTitle: string;
  submission: string;
  seed: number;
  /** Per-run nonce written into results.json so staff can tell a forged file apart; never given to student code. */
  nonce: string;
  startedAt: string;
  durationMs: number;
  versions: Versions;
  notices: Notice[];
  tests: TestResult[];
  score: number;
  maxScore: number;
  /** Set when the static gate refused the handin: the score is 0 and the submission was not graded. */
  notGraded?: NotGraded;
}
