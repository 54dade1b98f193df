/**
 * One attempt of one graded go test: its own process (and process group), `-test.run '^Name$'`,
 * Go's own -test.timeout for a goroutine dump, and a hard wall-clock kill a little later.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ResourceUsage } from '../core/resource-usage.js';
import type { Backend } from '../sandbox/backend.js';
import { newAttemptSecret, readResultFile, SECRET_FD, SECRET_FD_VARIABLE, type LeakCheckSettings } from './record.js';
import { decideAttempt, type AttemptVerdict } from './verdict.js';

export interface AttemptSpec {
  binary: string;
  /** The package folder in the work tree (go test runs binaries there). */
  pkgDir: string;
  testName: string;
  timeoutSec: number;
  /** Private scratch folder for this attempt: HOME, TMPDIR and the result file live here. */
  scratchDir: string;
  outputBudgetBytes: number;
  floodLimitBytes: number;
  /** A -race binary (no address-space limit). */
  race?: boolean;
  /** Extra environment for the test (the seed variables of seeded staff tests). */
  env?: Record<string, string>;
  /** Measure what the submission leaves behind if the test passes (its suite has a leak policy). */
  leakCheck?: LeakCheckSettings;
  /**
   * The attempt's artifacts folder, handed to the test as DSGRADE_ARTIFACTS (the P2 rpc package
   * writes rpc-trace.jsonl there): made fresh and writable by the test's uid. What the test writes
   * there is untrusted and display-only (src/gotest/rpc-trace.ts reads it).
   */
  artifactsDir?: string;
}

export interface AttemptRun extends AttemptVerdict {
  durationMs: number;
  output: string;
  /** What the attempt's process tree used, when the backend measured it. */
  usage?: ResourceUsage;
}

/** Grace between Go's own -test.timeout (which prints a goroutine dump) and our SIGKILL. */
const KILL_GRACE_SEC = 5;

/** Runs the attempt on `backend`: as a leased run uid of its jail, in its own network namespace where possible. */
export async function runAttempt(backend: Backend, spec: AttemptSpec): Promise<AttemptRun> {
  await fs.mkdir(spec.scratchDir, { recursive: true });
  const resultFile = path.join(spec.scratchDir, 'dsgrade-result');
  await fs.rm(resultFile, { force: true });
  if (spec.artifactsDir) {
    await fs.rm(spec.artifactsDir, { recursive: true, force: true });
    // The jail gives it to the attempt's uid, the Docker backend to its container user.
    await fs.mkdir(spec.artifactsDir, { recursive: true });
  }
  // A fresh secret for this attempt alone, handed over on fd 3 (never the run's nonce).
  const secret = newAttemptSecret(resultFile, spec.leakCheck);
  const outcome = await backend.runProcess({
    file: spec.binary,
    args: [
      `-test.run=^${spec.testName}$`,
      '-test.v',
      '-test.count=1',
      '-test.paniconexit0',
      `-test.timeout=${spec.timeoutSec}s`,
    ],
    cwd: spec.pkgDir,
    env: {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: spec.scratchDir,
      TMPDIR: spec.scratchDir,
      // The race detector otherwise sleeps 1 s at exit in every -race test, for nothing here:
      // races found during the test already fail it.
      GORACE: 'atexit_sleep_ms=0',
      ...spec.env,
      ...(spec.artifactsDir ? { DSGRADE_ARTIFACTS: spec.artifactsDir } : {}),
      [SECRET_FD_VARIABLE]: String(SECRET_FD),
    },
    fd3: secret.payload,
    timeoutMs: (spec.timeoutSec + KILL_GRACE_SEC) * 1000,
    outputBudgetBytes: spec.outputBudgetBytes,
    floodLimitBytes: spec.floodLimitBytes,
    jail: { role: 'run', writableDirs: [spec.scratchDir, ...(spec.artifactsDir ? [spec.artifactsDir] : [])], race: spec.race ?? false, isolateNetwork: true },
  });
  const resultRecord = await readResultFile(resultFile);
  const decided = decideAttempt({ outcome, resultRecord, key: secret.key, timeoutSec: spec.timeoutSec });
  return { ...decided, durationMs: outcome.durationMs, output: outcome.output, ...(outcome.usage ? { usage: outcome.usage } : {}) };
}
