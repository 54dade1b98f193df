/** What one grading run is asked to do (gradeSubmission's options), and its defaults. */
import { randomBytes } from 'node:crypto';
import type { LoadedManifest } from '../manifest/load.js';
import type { BackendKind } from '../sandbox/backend.js';
import type { DockerOptions } from '../sandbox/docker/docker-run.js';
import type { JailConfig } from '../sandbox/jail-config.js';
import { MAX_SEED } from '../util/limits.js';
import type { ProgressListener } from './context.js';

export interface GradeOptions {
  project: LoadedManifest;
  submission: string;
  /** The most jobs (tests, scenarios) at once: an upper bound on what the CPU-aware scheduler allows (docs/scheduling.md). */
  jobs?: number;
  /** The part of the cores and memory this grade may plan with (batch: 1 / submissions at once); default 1. */
  share?: number;
  seed?: number;
  only?: string[];
  cacheDir?: string;
  /** Parent folder of the per-run work folder (default: the OS temp folder). */
  workRoot?: string;
  keepWorkDir?: boolean;
  rerunBase?: string;
  progress?: ProgressListener;
  /** The per-run nonce written into results.json (default: random); it never reaches student code. */
  nonce?: string;
  /** Aborting stops the run from starting anything new; gradeSubmission then rejects with INTERRUPTED. */
  signal?: AbortSignal;
  /** Keep scenario artifacts here (<dir>/<suite>/<scenario>/); default: inside the work folder, removed with it. */
  artifactsDir?: string;
  /**
   * The folder results are written to (results.json's folder): run reports of failed scenarios are
   * copied to <dir>/run-reports/ and linked from the test's output relative to it.
   */
  resultsDir?: string;
  /** How the local jail confines student builds and processes (default: from DSGRADE_SANDBOX*, src/sandbox/jail-config.ts). */
  jail?: JailConfig;
  /** Where builds and student processes run: this machine (default) or Docker containers (docs/docker.md). */
  backend?: BackendKind;
  /** Docker backend settings (base image, limits). */
  docker?: DockerOptions;
}

/**
 * The bound on jobs at once when `--jobs` is not given. The CPU-aware scheduler decides below it,
 * by the cores and memory available and what each job costs (docs/scheduling.md); the bound keeps
 * a project of many very light tests from running dozens of processes at once.
 */
export const DEFAULT_MAX_JOBS = 16;

/** A seed in [0, MAX_SEED] (src/util/limits.ts). */
export function randomSeed(): number {
  return randomBytes(4).readUInt32BE(0) & MAX_SEED;
}
