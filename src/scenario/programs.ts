/**
 * Builds a scenario suite's programs: `go build -o` of main packages inside the work tree, so a
 * staff driver links the student's package exactly as handed in. One build per program per run.
 */
import path from 'node:path';
import { runGo } from '../go/go-command.js';
import type { Backend } from '../sandbox/backend.js';
import type { ProcessOutcome } from '../sandbox/process.js';
import type { ScenarioProgram } from './types.js';

export type BuiltProgram = { ok: true; binary: string } | { ok: false; outcome: ProcessOutcome };

export interface BuildProgramsOptions {
  moduleDir: string;
  workDir: string;
  allowDownloads: boolean;
  timeoutMs: number;
  /** Used in binary names so suites never overwrite each other's programs. */
  suiteId: string;
}

/** Builds on `backend` (as its jail's builder uid, or in build containers). */
export async function buildPrograms(backend: Backend, programs: Record<string, ScenarioProgram>, wanted: ReadonlySet<string>, opts: BuildProgramsOptions): Promise<Map<string, BuiltProgram>> {
  const built = new Map<string, BuiltProgram>();
  // One at a time: compiling is CPU-bound and the machine is small.
  for (const [name, prog] of Object.entries(programs)) {
    if (!wanted.has(name)) continue;
    const binary = path.join(opts.workDir, 'bin', `scenario-${opts.suiteId}-${name}${prog.race ? '.race' : ''}`);
    const outcome = await runGo(backend, ['build', ...(prog.race ? ['-race'] : []), '-o', binary, `./${prog.package}`], {
      moduleDir: opts.moduleDir,
      scratchDir: path.join(opts.workDir, 'scratch', `build-${opts.suiteId}-${name}`),
      allowDownloads: opts.allowDownloads,
      cgo: prog.race,
      timeoutMs: opts.timeoutMs,
    });
    built.set(name, outcome.exitCode === 0 && !outcome.spawnError ? { ok: true, binary } : { ok: false, outcome });
  }
  return built;
}
