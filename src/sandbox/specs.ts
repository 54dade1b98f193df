/**
 * The plain shapes every backend speaks: what to run (a process, a node, a build) and what came
 * of it. No behaviour; imported by backend.ts, the runners and the callers alike.
 */
import type { ResourceUsage } from '../core/resource-usage.js';
import type { JailRequest } from './jail.js';

export type { ResourceUsage };

export interface SupervisionLimits {
  timeoutMs: number;
  /** Output kept (head and tail), stdout and stderr interleaved as they arrive. */
  outputBudgetBytes: number;
  /** A process printing more than this in total is killed as a flood. */
  floodLimitBytes: number;
}


export interface ProcessSpec extends SupervisionLimits {
  file: string;
  args: string[];
  cwd: string;
  /** The complete environment: nothing of dsgrade's own environment leaks in. */
  env: Record<string, string>;
  stdin?: string;
  /**
   * Bytes the process reads on file descriptor 3 (a socket, closed after them): how a test attempt
   * gets its secret. Never in the environment, never on disk.
   */
  fd3?: Buffer;
  /** How the jail confines it (student builds and student code); ignored where there is no jail. */
  jail?: JailRequest;
}


export interface ProcessOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  flooded: boolean;
  output: string;
  outputBytes: number;
  durationMs: number;
  spawnError?: string;
  /**
   * What the process and everything it started used (CPU, peak RSS), when its supervisor could
   * measure it: jailed processes locally, every exec under Docker; none with DSGRADE_SANDBOX=off.
   */
  usage?: ResourceUsage;
}


export interface NodeProcessSpec {
  file: string;
  args: string[];
  cwd: string;
  /** The complete environment. */
  env: Record<string, string>;
  onOutput(stream: 'stdout' | 'stderr', chunk: Buffer): void;
  /** How the jail confines it (a scenario passes each node's lease); ignored where there is no jail. */
  jail?: JailRequest;
}


export interface NodeExit {
  code: number | null;
  signal: string | null;
  /** What the process tree used, when its supervisor measured it (see ProcessOutcome.usage). */
  usage?: ResourceUsage;
}


/** What a scenario needs of a running node; NodeProcess (local) and ContainerExec (docker) both provide it. */
export interface NodeHandle {
  readonly pid: number;
  readonly exited: Promise<NodeExit>;
  readonly running: boolean;
  readonly isPaused: boolean;
  readonly exitStatus: NodeExit | undefined;
  write(text: string): void;
  closeStdin(): void;
  signal(sig: NodeJS.Signals): void;
  pause(): void;
  resume(): void;
  kill(): Promise<NodeExit>;
}

