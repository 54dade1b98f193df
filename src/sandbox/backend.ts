/**
 * Where student builds and processes run: on this machine (`local`, the default: process.ts,
 * node-process.ts, go-command.ts as they are) or in Docker containers (`docker`,
 * src/sandbox/docker/docker-backend.ts).
 *
 * A grading run installs its backend with `withBackend` (gradeSubmission does); runProcess,
 * spawnNode and runGo ask `currentBackend()` and hand the whole spec over when one is installed.
 * The context follows the async calls of that run only (AsyncLocalStorage), so two runs in one
 * process (batch, tests) never see each other's backend, and every stage keeps calling the same
 * functions: verdict code cannot differ between backends. dsgrade's own tools (harness programs
 * built once per content hash) are built outside any backend (`outsideBackend`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { GoCommandOptions } from '../build/go-command.js';
import type { Proto } from '../scenario/types.js';
import type { NodeExit, NodeProcessSpec } from './node-process.js';
import type { ProcessOutcome, ProcessSpec } from './process.js';

export type BackendKind = 'local' | 'docker';
export const BACKEND_KINDS: readonly BackendKind[] = ['local', 'docker'];

/** What a scenario needs of a running node; NodeProcess (local) and the docker exec both provide it. */
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

export interface ProcessBackend {
  readonly kind: BackendKind;
  /** The version of the Go that builds use when it is not this machine's (a --base-image's Go). */
  readonly goVersion?: string;
  runProcess(spec: ProcessSpec): Promise<ProcessOutcome>;
  spawnNode(spec: NodeProcessSpec): Promise<NodeHandle>;
  runGo(args: string[], opts: GoCommandOptions): Promise<ProcessOutcome>;
  /** Whether something listens on `port` where the nodes run (their network namespace). */
  isListening(port: number, proto: Proto): Promise<boolean>;
  /** Called by gradeSubmission once the run's work folder exists, before anything runs. */
  prepareWorkDir?(workDir: string): Promise<void>;
}

const current = new AsyncLocalStorage<ProcessBackend | undefined>();

/** Runs `fn` with `backend` installed for everything it starts (undefined: local). */
export function withBackend<T>(backend: ProcessBackend | undefined, fn: () => Promise<T>): Promise<T> {
  return current.run(backend, fn);
}

/** The backend of the grading run this call belongs to; undefined means local. */
export function currentBackend(): ProcessBackend | undefined {
  return current.getStore();
}

/** Runs `fn` on this machine whatever the run's backend (dsgrade's own trusted tools). */
export function outsideBackend<T>(fn: () => Promise<T>): Promise<T> {
  return current.run(undefined, fn);
}
