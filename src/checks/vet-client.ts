/**
 * Client of harness/cmd/dsgrade-vet: parses (never compiles or runs) handed-in Go files and
 * reports imports, formatting, channel buffer sizes, sizes and the static gate's verdict as plain data.
 */
import path from 'node:path';
import type { EffectiveGatePolicy } from '../gate/policy.js';
import type { Backend } from '../sandbox/backend.js';

/** The static gate's verdict on one file (harness/vet/gate.go GateResult). */
export interface VetGateResult {
  /** false: the file could not be checked (does not parse, unreadable, too large). */
  checked: boolean;
  findings?: { line?: number; rule: string; what: string; why?: string }[];
  omitted?: number;
}

export interface VetFileReport {
  display: string;
  package?: string;
  parseError?: string;
  error?: string;
  lines?: number;
  bytes?: number;
  imports?: { path: string; line: number }[];
  gofmt?: { formatted: boolean; diff?: string };
  chanMakes?: { line: number; buffer: string; constant: boolean; value?: number }[];
  gate?: VetGateResult;
}

export interface VetFile {
  path: string;
  display: string;
}

/**
 * Runs dsgrade-vet over `files` on the run's backend (it parses student files: under Docker, in the
 * run container); with `gate`, every report carries the static gate's verdict. No jail request:
 * it is dsgrade's own program and reads the module tree, which is closed to run uids.
 */
export async function runVet(backend: Backend, binary: string, files: readonly VetFile[], scratchDir: string, gate?: EffectiveGatePolicy): Promise<Map<string, VetFileReport>> {
  const request = { files, checks: { imports: true, gofmt: true, chanbuf: true, lines: true }, ...(gate ? { gate } : {}) };
  const outcome = await backend.runProcess({
    file: binary,
    args: [],
    cwd: path.dirname(binary),
    env: { PATH: '/usr/bin:/bin', HOME: scratchDir, TMPDIR: scratchDir },
    timeoutMs: 60_000,
    outputBudgetBytes: 64 * 1024 * 1024,
    floodLimitBytes: 128 * 1024 * 1024,
    stdin: JSON.stringify(request),
  });
  if (outcome.exitCode !== 0) {
    throw new Error(`dsgrade-vet failed (${outcome.spawnError ?? `exit ${outcome.exitCode}`}): ${outcome.output.slice(0, 2000)}`);
  }
  const reply = JSON.parse(outcome.output) as { files: VetFileReport[] };
  return new Map(reply.files.map((f) => [f.display, f]));
}
