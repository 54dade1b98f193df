/**
 * The supervision every non-interactive process gets, whichever backend starts it: a wall-clock
 * limit, an output budget (head and tail kept, everything counted) and a flood kill. The backend
 * supplies only how to start the process, how to kill all of it (its process group, its
 * container) and how to tell a start failure from the program's own exit.
 */
import { OutputCapture } from './output-capture.js';
import type { NodeExit, ProcessOutcome, SupervisionLimits } from './specs.js';

export type { SupervisionLimits };


/** A started process as the supervisor sees it. */
export interface Supervisee {
  /** Resolves once the process has exited and its output is drained (and the backend cleaned up after it). */
  readonly exited: Promise<NodeExit & { startError?: string }>;
  /** Whether the process itself is still running (its exit not yet seen). */
  running(): boolean;
  /** Kills all of it: the whole process group (and uid), or the container. */
  kill(): void;
}

export type StartFn = (onOutput: (chunk: Buffer) => void) => Promise<Supervisee>;

/**
 * Runs one process to its end under `limits`. Never throws for what the process does; a failure to
 * start (thrown by `start`, or recognised by `startFailure` from the exit and output) is `spawnError`.
 */
export async function supervise(limits: SupervisionLimits, start: StartFn, startFailure?: (exit: NodeExit, output: string) => string | undefined): Promise<ProcessOutcome> {
  const started = performance.now();
  const capture = new OutputCapture(limits.outputBudgetBytes);
  let timedOut = false;
  let flooded = false;
  let proc: Supervisee | undefined;
  const onOutput = (chunk: Buffer): void => {
    capture.push(chunk);
    if (!flooded && capture.total > limits.floodLimitBytes) {
      flooded = true;
      proc?.kill();
    }
  };
  try {
    proc = await start(onOutput);
  } catch (err) {
    return failedToStart(err instanceof Error ? err.message : String(err), started);
  }
  const running = proc;
  const timer = setTimeout(() => {
    if (running.running()) timedOut = true;
    running.kill();
  }, limits.timeoutMs);
  let exit: NodeExit & { startError?: string };
  try {
    exit = await running.exited;
  } finally {
    clearTimeout(timer);
  }
  const output = capture.text();
  const failure = exit.startError ?? startFailure?.(exit, output);
  if (failure !== undefined) return failedToStart(failure, started);
  return {
    exitCode: exit.code,
    signal: exit.signal,
    timedOut,
    flooded,
    output,
    outputBytes: capture.total,
    durationMs: Math.round(performance.now() - started),
    ...(exit.usage ? { usage: exit.usage } : {}),
  };
}

export function failedToStart(message: string, started: number): ProcessOutcome {
  return { exitCode: null, signal: null, timedOut: false, flooded: false, output: '', outputBytes: 0, durationMs: Math.round(performance.now() - started), spawnError: message };
}
