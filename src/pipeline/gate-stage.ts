/**
 * The static gate as a pipeline stage: dsgrade-vet over every handed-in file with the project's
 * effective policy (never running student code), and the test results a decision other than
 * `passed` stands for. Refused: every planned item scores 0 with the one message (the build and the
 * checks too: the gate is a precondition of grading). Not checkable: the build and the checks run
 * (neither executes student code), every suite item scores 0 with the file and its error.
 */
import path from 'node:path';
import { harnessTool } from '../go/harness-tool.js';
import type { GoToolchain } from '../go/go-env.js';
import { runVet, type VetFileReport } from '../checks/vet-client.js';
import type { GateDecision } from '../gate/gate.js';
import { effectiveGatePolicy } from '../gate/policy.js';
import type { GatePolicySpec } from '../manifest/types.js';
import type { TestResult } from '../model.js';
import { makeResult } from './context.js';
import type { PlannedItem } from './planned-items.js';
import type { Backend } from '../sandbox/backend.js';

export interface VetHandinInput {
  /** Where dsgrade-vet runs (it parses student files: under Docker, in the run container). */
  backend: Backend;
  /** This machine's Go and dsgrade's cache, to build dsgrade-vet. */
  toolchain: GoToolchain;
  cacheDir: string;
  workDir: string;
  moduleDir: string;
  files: readonly { treePath: string }[];
  policy: GatePolicySpec;
}

/** dsgrade-vet's reports by tree path, or the reason its checker failed (then nothing may run). */
export async function vetHandin(input: VetHandinInput): Promise<{ reports?: Map<string, VetFileReport>; error?: string }> {
  try {
    const vet = await harnessTool('dsgrade-vet', input.toolchain, input.cacheDir);
    const reports = await runVet(
      input.backend,
      vet,
      input.files.map((f) => ({ path: path.join(input.moduleDir, ...f.treePath.split('/')), display: f.treePath })),
      path.join(input.workDir, 'scratch', 'vet'),
      effectiveGatePolicy(input.policy),
    );
    return { reports };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** The results a refused or uncheckable handin gets instead of being run (none when it passed). */
export function gatedResults(planned: readonly PlannedItem[], decision: GateDecision): TestResult[] {
  if (decision.kind === 'passed') return [];
  const items = decision.kind === 'refused' ? planned : planned.filter((p) => p.suite !== 'build' && p.suite !== 'check');
  return items.map((p) => makeResult({ ...p, verdict: 'failed', score: 0, durationMs: 0, summary: decision.summary, output: decision.output }));
}

/** dsgrade's own checker failed: the gate cannot vouch for anything, so nothing is built or run. */
export function gateHarnessError(planned: readonly PlannedItem[], error: string | undefined): TestResult[] {
  const summary = 'dsgrade could not run its static gate, so nothing was built or run';
  const output = `dsgrade checks every handed-in file before it builds or runs any of it, and its checker failed (a harness error, not your fault):\n${error ?? 'unknown error'}`;
  return planned.map((p) => makeResult({ ...p, verdict: 'error', score: 0, durationMs: 0, summary, output }));
}
