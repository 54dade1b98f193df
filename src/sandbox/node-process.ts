/**
 * A long-lived process beside runProcess: one scenario node, in its own session and process group
 * (registered, so an interrupt kills it), with streaming output, stdin writes and whole-group
 * signals: kill -9, SIGSTOP/SIGCONT, or any polite signal. It never throws for what the process
 * does; a failure to start is a rejected spawnNode.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Jail, Launch } from './jail.js';
import type { NodeExit, NodeHandle, NodeProcessSpec } from './specs.js';
import { killGroup, registerGroup, unregisterGroup } from './process-registry.js';


export type { NodeExit, NodeProcessSpec };

/** How long output pipes may stay open after the group was killed (only an escaped child holds them). */
const DRAIN_AFTER_EXIT_MS = 1000;

export class NodeProcess {
  readonly pid: number;
  readonly exited: Promise<NodeExit>;
  private exit: NodeExit | undefined;
  private paused = false;

  /** Use spawnNode. */
  constructor(private readonly child: ChildProcessByStdio<Writable, Readable, Readable>, spec: NodeProcessSpec) {
    this.pid = child.pid!;
    registerGroup(this.pid);
    child.stdin.on('error', () => undefined); // EPIPE after the node exited
    child.stdout.on('data', (c: Buffer) => spec.onOutput('stdout', c));
    child.stderr.on('data', (c: Buffer) => spec.onOutput('stderr', c));
    this.exited = new Promise((resolve) => {
      let result: NodeExit | undefined;
      let drain: NodeJS.Timeout | undefined;
      child.once('exit', (code, signal) => {
        result = { code, signal };
        this.exit = result;
        // Whatever the node left in its group dies with it, so the pipes close.
        killGroup(this.pid);
        drain = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, DRAIN_AFTER_EXIT_MS);
      });
      child.once('close', () => {
        clearTimeout(drain);
        unregisterGroup(this.pid);
        resolve(result ?? { code: child.exitCode, signal: child.signalCode });
      });
    });
  }

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
    return this.exited;
  }
}

/** Starts `spec` here; through `jail` when given and the spec asks for it. */
export async function spawnLocalNode(spec: NodeProcessSpec, jail: Jail | undefined): Promise<NodeHandle> {
  const launch: Launch | undefined = jail && spec.jail ? await jail.launch(spec.jail, spec) : undefined;
  const child = spawn(launch?.file ?? spec.file, launch?.args ?? spec.args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch (err) {
    await launch?.finish();
    throw err;
  }
  if (launch) {
    child.once('exit', () => launch.killAll());
    child.once('close', () => void launch.finish());
  }
  return new NodeProcess(child, spec);
}
