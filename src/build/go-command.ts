/**
 * Runs one go command (build, test -c, vet) in a work tree through the process runner: same time
 * limits and output caps as student code, because compiling student code runs student-controlled
 * inputs through the toolchain too.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sealExecutable, type Sandbox } from '../sandbox/launcher.js';
import { currentBackend } from '../sandbox/backend.js';
import { runProcess, type ProcessOutcome } from '../sandbox/process.js';
import { goEnv, type GoToolchain } from './go-env.js';

export interface GoCommandOptions {
  toolchain: GoToolchain;
  cacheDir: string;
  moduleDir: string;
  scratchDir: string;
  allowDownloads: boolean;
  cgo: boolean;
  timeoutMs: number;
  /**
   * Builds of student code run as the sandbox's builder uid, with its own build cache; dsgrade's
   * own harness programs are built without (trusted).
   */
  sandbox?: Sandbox;
  /** Folders the build writes besides its scratch folder (where `-o` puts the binary). */
  outputDirs?: string[];
}

export async function runGo(args: string[], opts: GoCommandOptions): Promise<ProcessOutcome> {
  // A grading run with another backend (Docker) builds there (src/sandbox/backend.ts).
  const backend = currentBackend();
  // A binary built from student code (test binaries with the staff tests in them, scenario
  // programs) is executable by run uids but never readable: see sealExecutable.
  const o = args.indexOf('-o');
  const sealed = (backend || opts.sandbox) && o >= 0 ? args[o + 1] : undefined;
  // An earlier build's sealed binary (two suites of one package build the same file): go would
  // read it to check it is an object file before replacing it, which the builder may not.
  if (sealed) await fs.rm(sealed, { force: true });
  const outcome = backend ? await backend.runGo(args, opts) : await runGoHere(args, opts);
  if (sealed && outcome.exitCode === 0 && !outcome.spawnError) await sealExecutable(sealed);
  return outcome;
}

async function runGoHere(args: string[], opts: GoCommandOptions): Promise<ProcessOutcome> {
  const sandboxCache = await opts.sandbox?.buildCache();
  const env = await goEnv({
    toolchain: opts.toolchain,
    cacheDir: sandboxCache ?? opts.cacheDir,
    scratchDir: opts.scratchDir,
    allowDownloads: opts.allowDownloads,
    cgo: opts.cgo,
  });
  return runProcess({
    file: opts.toolchain.go,
    args,
    cwd: opts.moduleDir,
    env,
    timeoutMs: opts.timeoutMs,
    outputBudgetBytes: 256 * 1024,
    floodLimitBytes: 64 * 1024 * 1024,
    ...(opts.sandbox ? { sandbox: { sandbox: opts.sandbox, role: 'build' as const, writableDirs: [opts.scratchDir, ...(opts.outputDirs ?? [])] } } : {}),
  });
}

export function describeFailure(outcome: ProcessOutcome, what: string, limitSec: number): string | undefined {
  if (outcome.spawnError) return `could not start the Go toolchain for ${what}: ${outcome.spawnError}`;
  if (outcome.timedOut) return `${what} took longer than the ${limitSec} s limit and was stopped`;
  return undefined;
}

export function binaryName(pkg: string, race: boolean): string {
  return `${pkg.replace(/[^A-Za-z0-9]+/g, '_')}${race ? '.race' : ''}.test`;
}

export const binDir = (workDir: string): string => path.join(workDir, 'bin');
