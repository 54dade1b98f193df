/**
 * The seeds and rerun commands of go test runs: each run's seed (derived from the grade's seed, the
 * test and the run's number), the environment that hands it to the test process, and the commands
 * that rerun a whole test or one run. Pure; the go test stage uses them, the reports show them.
 */
import { createHash } from 'node:crypto';
import type { GoTestSpec, GoTestSuite } from '../manifest/types.js';
import type { Attempt } from '../model.js';
import { countedAttempts } from '../scoring/overload.js';
import type { RunContext } from './context.js';

/** `go test` of one staff test, as typed in the module folder with the staff tests. */
export function goTestCommand(suite: Pick<GoTestSuite, 'package'>, t: Pick<GoTestSpec, 'name' | 'race'>): string {
  return `go test${t.race ? ' -race' : ''} -count=1 -run '^${t.name}$' ./${suite.package}`;
}

/** Reruns the whole test: every run, each with the seed it had (they derive from --seed). */
export function rerunCommand(ctx: Pick<RunContext, 'rerunBase' | 'seed'>, suite: GoTestSuite, t: GoTestSpec): string {
  return `${ctx.rerunBase} --only ${suite.id}/${t.name} --seed ${ctx.seed}    (or, in the module folder with the staff tests: ${goTestCommand(suite, t)})`;
}

/** Reruns one run of the test with its seed, in the module folder with the staff tests. */
export function seedRerunCommand(suite: Pick<GoTestSuite, 'package' | 'seedEnv'>, t: Pick<GoTestSpec, 'name' | 'race'>, seed: number): string {
  const env = Object.entries(seedEnvOf(seed, suite.seedEnv)).map(([k, v]) => `${k}=${v}`);
  return `${env.join(' ')} ${goTestCommand(suite, t)}`;
}

/**
 * The seed of run `runIndex` (from 0, among the counted runs) of a staff test: derived from the
 * grade's seed, the test id and the run's number, so tests and runs differ from one another and
 * `--seed N --only <id>` gives every run the seed it had in the full grade. Run 0 keeps the
 * derivation a single run has always had.
 */
export function testSeed(gradeSeed: number, testId: string, runIndex = 0): number {
  const digest = createHash('sha256').update(runIndex === 0 ? `${gradeSeed}\0${testId}` : `${gradeSeed}\0${testId}\0${runIndex}`).digest();
  return digest.readUInt32BE(0) & 0x7fffffff;
}

/**
 * The seed of the next attempt of a test: that of the next counted run. An attempt voided by
 * overload does not count, so the attempt that replaces it gets its seed: the run is redone, not
 * skipped, and the pass rate is over the same seeds as on a quiet machine.
 */
export function nextRunSeed(gradeSeed: number, testId: string, attempts: readonly Pick<Attempt, 'voided'>[]): number {
  return testSeed(gradeSeed, testId, countedAttempts(attempts).length);
}

/** The environment that hands a test process its seed: DSGRADE_SEED always, and the suite's `seedEnv` (e.g. RPC_SEED) when it names one. */
export function seedEnvOf(seed: number, seedEnv: string | undefined): Record<string, string> {
  return { DSGRADE_SEED: String(seed), ...(seedEnv ? { [seedEnv]: String(seed) } : {}) };
}
