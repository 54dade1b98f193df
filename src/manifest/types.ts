/**
 * The project manifest after loading: schema-validated, defaults applied, paths resolved to absolute
 * folders. The raw JSON shape is defined by schemas/manifest.schema.json; keep both in step (a test
 * checks that every schema property is known here).
 */
import type { Visibility } from '../model.js';
import type { ScenarioSuite } from '../scenario/types.js';

export type { ScenarioSuite };

export interface HandinEntry {
  /** Exact path inside the module root (slash-separated). */
  path?: string;
  /** Glob inside the module root: `*` and `?` never cross a `/`; a whole `**` segment crosses any number (util/glob.ts). */
  pattern?: string;
  /** Paths or globs the pattern never takes. */
  exclude: string[];
  required: boolean;
  maxBytes: number;
}

export interface GoSettings {
  moduleRoot: string;
  module: string;
  /** The course's Go (`go.version`, else the `go` line of go.mod, filled in by rules.ts). */
  version?: string;
  allowDownloads: boolean;
  buildTimeoutSec: number;
}

export interface CheckSpec {
  id: string;
  name: string;
  kind: 'gofmt' | 'imports' | 'lines' | 'chanbuf';
  points: number;
  visibility: Visibility;
  tags: string[];
  number?: string;
  files: string[];
  allow?: string[];
  deny?: string[];
  maxLines?: number;
  maxBytes?: number;
  maxBuffer?: number;
}

/** Rerun a failed test `count` more times; the reruns decide the verdict under `policy`. */
export interface RetryPolicy {
  count: number;
  /** all: every rerun must pass; any: one is enough; majority: more than half. */
  policy: 'all' | 'any' | 'majority';
}

/**
 * How a go test's counted runs score (docs/manifest.md#runs-and-passrule): every run must pass,
 * points × pass rate, or full points from a minimum pass rate up (src/scoring/pass-rule.ts).
 */
export type PassRule = { rule: 'all' } | { rule: 'rate' } | { rule: 'threshold'; minRate: number };

/** One graded go test after patterns are expanded against the staff sources. */
export interface GoTestSpec {
  /** Exact test function name (after pattern expansion). */
  name: string;
  /** Set while a `pattern` entry is not yet expanded; never set on a loaded manifest. */
  pattern?: string;
  displayName: string;
  points: number;
  number?: string;
  visibility: Visibility;
  tags: string[];
  timeoutSec: number;
  race: boolean;
  /** Counted runs, each with its own seed (`runs`, or its alias `repeat`; default 1). */
  runs: number;
  /** How the counted runs score (`passRule`; `partialCredit: true` is the rule `rate`; default `all`). */
  passRule: PassRule;
  exclusive: boolean;
  retry?: RetryPolicy;
  description?: string;
}

/**
 * The suite's "nothing left running" item (id `<suite>/leaks`): what the injected TestMain
 * measures after each passing test (harness/gotest/leakcheck), judged here.
 */
export interface LeakPolicy {
  name: string;
  points: number;
  number?: string;
  visibility: Visibility;
  tags: string[];
  description?: string;
  /** How long the submission's goroutines may take to return after a test ends. */
  settleMs: number;
  /** How long CPU use is measured when some are left. */
  cpuWindowMs: number;
  /** CPU use (percent of one core) during that window above which a test counts as burning CPU. */
  maxCpuPercent: number;
  /** Left-behind goroutines count only when they burn CPU. */
  allowIdleGoroutines: boolean;
  /** Tests not judged (they do not close everything they create). */
  exclude: string[];
}

export interface GoTestSuite {
  kind: 'gotest';
  id: string;
  name: string;
  package: string;
  /** Environment variable that receives each test's seed (besides DSGRADE_SEED), e.g. LSPNET_SEED. */
  seedEnv?: string;
  /**
   * What a rerun with a run's seed replays, in the words of the rerun line ("the same network
   * faults"); absent: "the same seed", with no claim about what it replays.
   */
  seedReplays?: string;
  tests: GoTestSpec[];
  leaks?: LeakPolicy;
}

export interface BuggyVariant {
  name: string;
  /** Absolute path of the buggy implementation file. */
  file: string;
  points: number;
  number?: string;
  hint?: string;
}

export interface StudentTestSuite {
  kind: 'studenttests';
  id: string;
  name: string;
  package: string;
  testFile: string;
  implFile: string;
  timeoutSec: number;
  /** Runs on each implementation; more than half of them decide each verdict. */
  repeat: number;
  race: boolean;
  visibility: Visibility;
  tags: string[];
  requireCorrectPass: boolean;
  correct: { points: number; number?: string };
  buggy: BuggyVariant[];
}

export type Suite = GoTestSuite | StudentTestSuite | ScenarioSuite;

/** A correct submission that must get full marks. */
export interface ReferenceSpec {
  /** Unique among the project's references; "reference" for the `"reference": "dir"` shorthand. */
  name: string;
  /** Absolute path of the submission folder. */
  path: string;
  description?: string;
}

export interface MutantSpec {
  name: string;
  /** Absolute path of the mutant submission folder (exactly one of path and patch is set). */
  path?: string;
  /** Absolute path of a unified diff against the reference (see regress/mutant-submission.ts). */
  patch?: string;
  expectedScore: number;
  description?: string;
  catchers: string[];
  /** "reference": `path` holds only the files that differ; the rest comes from the primary reference (see regress/mutant-submission.ts). */
  base?: 'reference';
  /** [lowest, highest] accepted score, for a mutant whose failures depend on timing; absent: exactly expectedScore. */
  scoreRange?: [number, number];
}

/**
 * The project's changes to the static gate's default policy (harness/vet/gate-default.json):
 * rules it adds (`deny`) and exceptions (`allow`). docs/manifest.md, "gate"; src/gate/policy.ts.
 */
export interface GatePolicySpec {
  deny: string[];
  allow: string[];
}

export interface Manifest {
  /** Absolute path of dsgrade.json. */
  file: string;
  /** Absolute path of the project folder. */
  dir: string;
  name: string;
  title: string;
  totalPoints?: number;
  go: GoSettings;
  /** Absolute path of the starter tree. */
  starter: string;
  /** Absolute path of the staff overlay (module-root relative inside), if any. */
  staff?: string;
  handin: HandinEntry[];
  limits: { testOutputBytes: number; processOutputBytes: number };
  checks: CheckSpec[];
  /** The static gate: the default policy plus these entries (empty lists: the default alone). */
  gate: GatePolicySpec;
  suites: Suite[];
  /** Every reference, the primary first ([] when the project has none). */
  references: ReferenceSpec[];
  /** Folder of the primary reference (`references[0].path`), what mutants are laid over. */
  reference?: string;
  mutants: MutantSpec[];
}
