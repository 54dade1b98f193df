/**
 * One process inside the run container, started through `docker exec` of the supervisor
 * (`dsgrade-exec run -- FILE ARGS…`, harness/cmd/dsgrade-exec) with its own stdio. The supervisor
 * puts FILE in its own process group, relays signals to that group, kills what is left of the
 * group when FILE exits and exits with FILE's status (128+n for signal n). Signals reach the
 * supervisor directly from this machine when the container's processes are visible here (a local
 * engine), else through a second exec (`dsgrade-exec signal`).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import type { NodeExit, NodeHandle } from '../backend.js';
import type { ContainerRuntime, ExecSession } from './container-runtime.js';
import { UsageTrailer } from './usage-trailer.js';

/** Supervisor signal 34+n asks it to send signal n to the group (see dsgrade-exec). */
const RELAY_BASE = 34;
const HEADER = /^\0dsgrade-exec pid=(\d+)\n/;
/** How long output may stay open after the supervisor exited (only an escaped process holds it). */
const DRAIN_AFTER_EXIT_MS = 1000;
const EXIT_POLL_MS = 500;

export interface ContainerExecSpec {
  containerId: string;
  helper: string;
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  stdin: boolean;
  /**
   * Bytes the program reads on fd 3 (docker exec cannot pass descriptors): sent first on the
   * exec's stdin, where the supervisor (`run -fd3`) reads them as one line before it starts the
   * program with a socket holding them as fd 3. The program's stdin is what follows.
   */
  fd3?: Buffer;
  onOutput(stream: 'stdout' | 'stderr', chunk: Buffer): void;
  /** Host-side signalling works for this container (its pids are visible here). */
  hostPids: boolean;
}

/** `SIGKILL` → 9, from this platform's table. */
function signalNumber(sig: NodeJS.Signals): number {
  return os.constants.signals[sig];
}

function signalName(n: number): string | undefined {
  return Object.entries(os.constants.signals).find(([, v]) => v === n)?.[0];
}

/** Decodes the supervisor's exit status: 128+n is signal n (n ≤ 64). */
export function decodeExit(code: number | null): NodeExit {
  if (code !== null && code > 128 && code <= 128 + 64) {
    const name = signalName(code - 128);
    if (name) return { code: null, signal: name };
  }
  return { code, signal: null };
}

/** The host pid of `containerPid` when it is visible here: /proc/<hostPid>/status ends its NSpid with it. */
async function verifyHostPid(hostPid: number, containerPid: number): Promise<boolean> {
  if (hostPid <= 0) return false;
  try {
    const status = await fs.readFile(`/proc/${hostPid}/status`, 'utf8');
    const ns = /^NSpid:\s+(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/);
    return ns !== undefined && Number(ns[ns.length - 1]) === containerPid;
  } catch {
    return false;
  }
}

export class ContainerExec implements NodeHandle {
  /** The supervisor's pid inside the container (what timelines show). */
  pid = 0;
  readonly exited: Promise<NodeExit>;
  private exit: NodeExit | undefined;
  private paused = false;
  private hostPid = 0;
  private resolveStarted!: () => void;
  private rejectStarted!: (err: Error) => void;
  readonly started: Promise<void>;

  private constructor(
    private readonly runtime: ContainerRuntime,
    private readonly session: ExecSession,
    private readonly spec: ContainerExecSpec,
  ) {
    this.started = new Promise((resolve, reject) => {
      this.resolveStarted = resolve;
      this.rejectStarted = reject;
    });
    let pending: Buffer | undefined = Buffer.alloc(0);
    // The supervisor's usage line ends stdout; the program's output before it passes through.
    const trailer = new UsageTrailer();
    const out = (chunk: Buffer): void => {
      const passed = trailer.push(chunk);
      if (passed.length > 0) spec.onOutput('stdout', passed);
    };
    session.stdout.on('data', (chunk: Buffer) => {
      if (pending === undefined) return out(chunk);
      pending = Buffer.concat([pending, chunk]);
      const nl = pending.indexOf(10);
      if (nl < 0 && pending.length < 64) return;
      const m = HEADER.exec(pending.subarray(0, nl + 1).toString('latin1'));
      const rest = m ? pending.subarray(nl + 1) : pending;
      pending = undefined;
      if (m) void this.onHeader(Number(m[1]));
      else this.rejectStarted(new Error("the run container's supervisor did not start"));
      if (rest.length > 0) out(rest);
    });
    session.stderr.on('data', (chunk: Buffer) => spec.onOutput('stderr', chunk));
    session.connection.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      let ended = false;
      let drain: NodeJS.Timeout | undefined;
      const finish = async (): Promise<void> => {
        if (ended) return;
        ended = true;
        clearInterval(poll);
        clearTimeout(drain);
        let code: number | null = null;
        try {
          code = (await runtime.inspectExec(session.id)).exitCode;
        } catch {
          // The container is gone (run cleanup): the process was killed with it.
          code = 137;
        }
        const { usage, rest } = trailer.end();
        if (rest.length > 0) spec.onOutput('stdout', rest);
        this.exit = { ...decodeExit(code), ...(usage ? { usage } : {}) };
        if (pending !== undefined) this.rejectStarted(new Error(`the run container's supervisor exited before starting ${spec.file}`));
        resolve(this.exit);
      };
      session.stdout.once('end', () => void finish());
      // The supervisor exited but an escaped process still holds the output: stop reading a little later.
      const poll = setInterval(() => {
        void runtime
          .inspectExec(session.id)
          .then((s) => {
            if (!s.running && !drain && !ended) drain = setTimeout(() => session.connection.destroy(), DRAIN_AFTER_EXIT_MS);
          })
          .catch(() => session.connection.destroy());
      }, EXIT_POLL_MS);
    });
  }

  static async start(runtime: ContainerRuntime, spec: ContainerExecSpec): Promise<ContainerExec> {
    const keep = Object.keys(spec.env).join(',');
    const session = await runtime.exec(spec.containerId, {
      cmd: [spec.helper, 'run', ...(spec.fd3 ? ['-fd3'] : []), '--', spec.file, ...spec.args],
      env: { ...spec.env, DSGRADE_EXEC_KEEP: keep },
      workingDir: spec.cwd,
      stdin: spec.stdin || spec.fd3 !== undefined,
    });
    if (spec.fd3) session.connection.write(spec.fd3);
    const exec = new ContainerExec(runtime, session, spec);
    await exec.started;
    return exec;
  }

  private async onHeader(containerPid: number): Promise<void> {
    this.pid = containerPid;
    if (this.spec.hostPids) {
      try {
        const { pid } = await this.runtime.inspectExec(this.session.id);
        if (await verifyHostPid(pid, containerPid)) this.hostPid = pid;
      } catch {
        // Fall back to signalling through the engine.
      }
    }
    this.resolveStarted();
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  get isPaused(): boolean {
    return this.paused && this.running;
  }

  get exitStatus(): NodeExit | undefined {
    return this.exit;
  }

  write(text: string | Buffer): void {
    if (this.running && this.session.connection.writable) this.session.connection.write(text);
  }

  closeStdin(): void {
    this.session.connection.end();
  }

  /** Sends `sig` to the process's whole group (through its supervisor). */
  signal(sig: NodeJS.Signals): void {
    if (this.running) void this.send(sig);
  }

  /** Resolves once the request is delivered (host signal: at once; engine: after the exec). */
  async send(sig: NodeJS.Signals): Promise<void> {
    const n = signalNumber(sig);
    if (this.hostPid > 0) {
      try {
        process.kill(this.hostPid, RELAY_BASE + n);
      } catch {
        // The supervisor is gone.
      }
      return;
    }
    if (this.pid <= 0) return;
    try {
      const s = await this.runtime.exec(this.spec.containerId, { cmd: [this.spec.helper, 'signal', String(this.pid), String(n)], env: {}, workingDir: '/', stdin: false });
      s.stdout.resume();
      s.stderr.resume();
      await new Promise((r) => s.stdout.once('end', r));
    } catch {
      // The container is gone.
    }
  }

  pause(): void {
    this.paused = true;
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.paused = false;
    this.signal('SIGCONT');
  }

  async kill(): Promise<NodeExit> {
    if (this.running) {
      // A stopped group must be continued to die promptly under some kernels; SIGKILL suffices on Linux.
      await this.send('SIGKILL');
    }
    return this.exited;
  }
}
