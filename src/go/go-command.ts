/**
 * Runs one go command (build, test -c, vet) in a work tree on a backend: same time limits and
 * output caps as student code, because compiling student code runs student-controlled inputs
 * through the toolchain too. The hermetic environment is computed here, once, for every backend.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Backend } from '../sandbox/backend.js';
import type { ProcessOutcome } from '../sandbox/process.js';
import { sealExecutable } from '../sandbox/work-folders.js';
import { goEnv } from './go-env.js';

export interface GoCommandOptions {
  moduleDir: string;
  scratchDir: string;
  allowDownloads: boolean;
  cgo: boolean;
  timeoutMs: number;
  /** Folders the build writes besides its scratch folder (where `-o` puts the binary). */
  outputDirs?: string[];
}

const BUILD_OUTPUT_BYTES = 256 * 1024;
const BUILD_FLOOD_BYTES = 64 * 1024 * 1024;

/**
 * `go <args>` on `backend`: student code on the run's backend (as the jail's builder uid, or in a
 * build container), dsgrade's own programs on `unjailedBackend` (src/sandbox/local-backend.ts).
 */
export async function runGo(backend: Backend, args: string[], opts: GoCommandOptions): Promise<ProcessOutcome> {
  // A binary built from student code (test binaries with the staff tests in them, scenario
  // programs) is executable by run uids but never readable: see sealExecutable.
  const o = args.indexOf('-o');
  const sealed = backend.sealsBinaries && o >= 0 ? args[o + 1] : undefined;
  // An earlier build's sealed binary (two suites of one package build the same file): go would
  // read it to check it is an object file before replacing it, which the builder may not.
  if (sealed) await fs.rm(sealed, { force: true });
  const cacheDir = await backend.buildCacheDir();
  const env = await goEnv({ toolchain: backend.toolchain, cacheDir, scratchDir: opts.scratchDir, allowDownloads: opts.allowDownloads, cgo: opts.cgo });
  const outcome = await backend.runBuild({
    file: backend.toolchain.go,
    args,
    cwd: opts.moduleDir,
    env,
    cacheDir,
    scratchDir: opts.scratchDir,
    outputDirs: [...(opts.outputDirs ?? []), ...(o >= 0 && args[o + 1] ? [path.dirname(args[o + 1]!)] : [])],
    timeoutMs: opts.timeoutMs,
    outputBudgetBytes: BUILD_OUTPUT_BYTES,
    floodLimitBytes: BUILD_FLOOD_BYTES,
  });
  if (sealed && outcome.exitCode === 0 && !outcome.spawnError) await sealExecutable(sealed);
  return outcome;
}

export function binaryName(pkg: string, race: boolean): string {
  return `${pkg.replace(/[^A-Za-z0-9]+/g, '_')}${race ? '.race' : ''}.test`;
}
