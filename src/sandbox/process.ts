/**
 * Runs one untrusted or tool process in its own process group with a wall-clock limit, an output
 * cap and a clean environment. The outcome is plain data; it never throws for anything the process
 * does (crash, flood, hang) — only a failure to start is reported, as `spawnError`.
 */
import { execa } from 'execa';
import { JAIL_FAILED, type Launch, type SandboxRequest } from './launcher.js';
import { currentBackend } from './backend.js';
import { OutputCapture } from './output-capture.js';
import { killGroup, registerGroup, unregisterGroup } from './process-registry.js';

export interface ProcessSpec {
  file: string;
  args: string[];
  cwd: string;
  /** The complete environment: nothing of dsgrade's own environment leaks in. */
  env: Record<string, string>;
  timeoutMs: number;
  /** Output kept (head and tail), stdout and stderr interleaved as they arrive. */
  outputBudgetBytes: number;
  /** A process printing more than this in total is killed as a flood. */
  floodLimitBytes: number;
  stdin?: string;
  /**
   * Bytes the process reads on file descriptor 3 (a socket, closed after them): how a test attempt
   * gets its secret. Never in the environment, never on disk.
   */
  fd3?: Buffer;
  /** Start it through the sandbox (student builds and student code); default: directly. */
  sandbox?: SandboxRequest;
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
}

/**
 * How long the output pipes may stay open after the process itself has exited and its group was
 * killed: only something that left the group (a new session) can still hold them.
 */
const DRAIN_AFTER_EXIT_MS = 1000;

export async function runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
  // A grading run with another backend (Docker) runs it there (src/sandbox/backend.ts).
  const backend = currentBackend();
  if (backend) return backend.runProcess(spec);
  const started = performance.now();
  const capture = new OutputCapture(spec.outputBudgetBytes);
  let timedOut = false;
  let flooded = false;
  let subprocess;
  let launch: Launch | undefined;
  try {
    launch = spec.sandbox ? await spec.sandbox.sandbox.launch(spec.sandbox, spec) : undefined;
    subprocess = execa(launch?.file ?? spec.file, launch?.args ?? spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      extendEnv: false,
      // A new session and process group, so the whole tree can be killed at once.
      detached: true,
      buffer: false,
      reject: false,
      stripFinalNewline: false,
      stdio: [spec.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe', ...(spec.fd3 ? [new Uint8Array(spec.fd3)] : [])],
      ...(spec.stdin !== undefined ? { input: spec.stdin } : {}),
    });
  } catch (err) {
    await launch?.finish();
    return failedToStart(err, started);
  }
  const pid = subprocess.pid;
  if (pid !== undefined) registerGroup(pid);
  const onData = (chunk: Buffer): void => {
    capture.push(chunk);
    if (!flooded && capture.total > spec.floodLimitBytes) {
      flooded = true;
      if (pid !== undefined) killGroup(pid);
    }
  };
  subprocess.stdout?.on('data', onData);
  subprocess.stderr?.on('data', onData);
  let exited = false;
  let drainTimer: NodeJS.Timeout | undefined;
  subprocess.once('exit', () => {
    exited = true;
    // The leader is gone: whatever it left in its group dies now. A background child that inherited
    // stdout would otherwise keep the pipes open, and the run would last until the wall-clock limit
    // and be reported as timed out although the process itself had finished.
    if (pid !== undefined) killGroup(pid);
    // A child that started its own session left the group, not the uid.
    launch?.killAll();
    drainTimer = setTimeout(() => {
      subprocess.stdout?.destroy();
      subprocess.stderr?.destroy();
    }, DRAIN_AFTER_EXIT_MS);
  });
  const timer = setTimeout(() => {
    if (!exited) timedOut = true;
    if (pid !== undefined) killGroup(pid);
    launch?.killAll();
  }, spec.timeoutMs);
  try {
    const result = await subprocess;
    if (result.failed && result.exitCode === undefined && result.signal === undefined && pid === undefined) {
      return failedToStart(result.cause ?? result, started);
    }
    const output = capture.text();
    if (launch && result.exitCode === JAIL_FAILED && output.startsWith('dsgrade-jail: ')) {
      return failedToStart(new Error(output.trim()), started);
    }
    return {
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      timedOut,
      flooded,
      output,
      outputBytes: capture.total,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    clearTimeout(timer);
    clearTimeout(drainTimer);
    if (pid !== undefined) {
      // Children left behind in the group (background goroutines' helpers, forks) die with it.
      killGroup(pid);
      unregisterGroup(pid);
    }
    await launch?.finish();
  }
}

function failedToStart(err: unknown, started: number): ProcessOutcome {
  return {
    exitCode: null,
    signal: null,
    timedOut: false,
    flooded: false,
    output: '',
    outputBytes: 0,
    durationMs: Math.round(performance.now() - started),
    spawnError: err instanceof Error ? err.message : String(err),
  };
}
