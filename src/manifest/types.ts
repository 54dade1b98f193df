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
  /** Glob inside the module root: `*` and `?` never cross a `/`. */
  pattern?: string;
  exclude: string[];
  required: boolean;
  maxBytes: number;
}

export interface GoSettings {
  moduleRoot: string;
  module: string;
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
  repeat: number;
  partialCredit: boolean;
  exclusive: boolean;
  retry?: RetryPolicy;
  description?: string;
}

export interface GoTestSuite {
  kind: 'gotest';
  id: string;
  name: string;
  package: string;
  /** Environment variable that receives each test's seed (besides DSGRADE_SEED), e.g. LSPNET_SEED. */
  seedEnv?: string;
  tests: GoTestSpec[];
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
  race: boolean;
  visibility: Visibility;
  tags: string[];
  requireCorrectPass: boolean;
  correct: { points: number; number?: string };
  buggy: BuggyVariant[];
}

export type Suite = GoTestSuite | StudentTestSuite | ScenarioSuite;

export interface MutantSpec {
  name: string;
  /** Absolute path of the mutant submission folder (exactly one of path and patch is set). */
  path?: string;
  /** Absolute path of a unified diff against the reference (see regress/mutant-submission.ts). */
  patch?: string;
  expectedScore: number;
  description?: string;
  catchers: string[];
  /** "reference": `path` holds only the files that differ; the rest comes from the reference (see regress/mutant-submission.ts). */
  base?: 'reference';
  /** [lowest, highest] accepted score, for a mutant whose failures depend on timing; absent: exactly expectedScore. */
  scoreRange?: [number, number];
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
  suites: Suite[];
  reference?: string;
  mutants: MutantSpec[];
}
