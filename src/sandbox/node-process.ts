/**
 * A long-lived process beside runProcess: one scenario node, in its own session and process group
 * (registered, so an interrupt kills it), with streaming output, stdin writes and whole-group
 * signals: kill -9, SIGSTOP/SIGCONT, or any polite signal. It never throws for what the process
 * does; a failure to start is a rejected spawnNode.
 *
 * A jailed node runs under the supervising jail (jail-report.ts), as for runProcess: signals go to
 * the program's own group, and its exit carries what its process tree used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Jail, Launch } from './jail.js';
import { programStatus, readJailReport, type JailReport } from './jail-report.js';
import type { NodeExit, NodeHandle, NodeProcessSpec } from './specs.js';
import { killGroup, registerGroup, unregisterGroup } from './process-registry.js';

export type { NodeExit, NodeProcessSpec };

/** How long output pipes may stay open after the group was killed (only an escaped child holds them). */
const DRAIN_AFTER_EXIT_MS = 1000;
/** How long the supervising jail may take to reap the node's tree after a kill (see process.ts). */
const JAIL_EXIT_GRACE_MS = 7000;

type NodeChild = ChildProcess & { stdin: Writable; stdout: Readable; stderr: Readable };

export class NodeProcess {
  /** The program's pid: its process group, where signals go. */
  readonly pid: number;
  readonly exited: Promise<NodeExit>;
  private exit: NodeExit | undefined;
  private paused = false;
  /** The process dsgrade started: the program itself, or the jail supervising it. */
  private readonly leader: number;

  /** Use spawnNode. */
  constructor(
    private readonly child: NodeChild,
    spec: NodeProcessSpec,
    program: number | undefined,
    report: JailReport | undefined,
  ) {
    this.leader = child.pid!;
    this.pid = program ?? this.leader;
    registerGroup(this.leader);
    if (this.pid !== this.leader) registerGroup(this.pid);
    child.stdin.on('error', () => undefined); // EPIPE after the node exited
    child.stdout.on('data', (c: Buffer) => spec.onOutput('stdout', c));
    child.stderr.on('data', (c: Buffer) => spec.onOutput('stderr', c));
    this.exited = new Promise((resolve) => {
      let status: NodeExit | undefined;
      let drain: NodeJS.Timeout | undefined;
      child.once('exit', (code, signal) => {
        clearTimeout(this.grace);
        status = report ? programStatus(code, signal) : { code, signal };
        // Provisional (the jail exits with the program's status as 128+n for signal n) until its report is read.
        this.exit = status;
        // Whatever the node left in its group dies with it, so the pipes close.
        killGroup(this.leader);
        killGroup(this.pid);
        drain = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, DRAIN_AFTER_EXIT_MS);
        // The exit is known once the jail's report (if any) is in: how the program ended, what it used.
        void (report?.final ?? Promise.resolve(undefined)).then((reported) => {
          this.exit = reported ? { ...reported.exit, ...(reported.usage ? { usage: reported.usage } : {}) } : status;
        });
      });
      child.once('close', () => {
        clearTimeout(drain);
        unregisterGroup(this.leader);
        unregisterGroup(this.pid);
        void (report?.final ?? Promise.resolve(undefined)).then((reported) => {
          const exit = reported ? { ...reported.exit, ...(reported.usage ? { usage: reported.usage } : {}) } : (status ?? { code: child.exitCode, signal: child.signalCode });
          this.exit = exit;
          resolve(exit);
        });
      });
    });
  }

  private grace: NodeJS.Timeout | undefined;

  get running(): boolean {
    return this.exit === undefined;
  }

  get isPaused(): boolean {
    return this.paused && this.running;
  }

  /** The exit status once the process has exited. */
  get exitStatus(): NodeExit | undefined {
    return this.exit;
  }

  write(text: string): void {
    if (this.running && this.child.stdin.writable) this.child.stdin.write(text);
  }

  closeStdin(): void {
    this.child.stdin.end();
  }

  /** Sends a signal to the whole group. */
  signal(sig: NodeJS.Signals): void {
    if (this.running) killGroup(this.pid, sig);
  }

  pause(): void {
    this.paused = true;
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.paused = false;
    this.signal('SIGCONT');
  }

  /** kill -9 of the whole group; resolves when the process is reaped and its output drained. */
  async kill(): Promise<NodeExit> {
    killGroup(this.pid, 'SIGKILL');
    if (this.pid !== this.leader) this.grace ??= setTimeout(() => killGroup(this.leader, 'SIGKILL'), JAIL_EXIT_GRACE_MS);
    return this.exited;
  }
}

/** Starts `spec` here; through `jail` when given and the spec asks for it. */
export async function spawnLocalNode(spec: NodeProcessSpec, jail: Jail | undefined): Promise<NodeHandle> {
  const launch: Launch | undefined = jail && spec.jail ? await jail.launch(spec.jail, spec) : undefined;
  const stdio = launch?.reportFd ? (['pipe', 'pipe', 'pipe', 'ignore', 'pipe'] as const) : (['pipe', 'pipe', 'pipe'] as const);
  const child = spawn(launch?.file ?? spec.file, launch?.args ?? spec.args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: [...stdio] }) as NodeChild;
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch (err) {
    await launch?.finish();
    throw err;
  }
  const report = launch?.reportFd ? readJailReport(child.stdio[launch.reportFd] as Readable) : undefined;
  const program = report ? await report.pid : undefined;
  if (launch) {
    child.once('exit', () => launch.killAll());
    child.once('close', () => void launch.finish());
  }
  return new NodeProcess(child, spec, program, report);
}
