/**
 * Runs one go command (build, test -c, vet) in a work tree through the process runner: same time
 * limits and output caps as student code, because compiling student code runs student-controlled
 * inputs through the toolchain too.
 */
import path from 'node:path';
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
}

export async function runGo(args: string[], opts: GoCommandOptions): Promise<ProcessOutcome> {
  const env = await goEnv({
    toolchain: opts.toolchain,
    cacheDir: opts.cacheDir,
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
