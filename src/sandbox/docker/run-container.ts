/**
 * The run container of one graded submission: every test, student-test run, scenario node, fault
 * proxy and checker runs in it through `docker exec` of the supervisor (container-exec.ts), so
 * nodes and the proxy talk over its own loopback. Started lazily, `--network none`, the work
 * folder read-only and only its scratch and artifacts folders writable; a lifeline connection
 * takes it down (auto-remove) when dsgrade dies without cleaning up.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { Proto } from '../../core/net.js';
import { debug } from '../../util/debug.js';
import { listeningIn } from '../listening.js';
import type { BindMount, ContainerRuntime, ResourceLimits } from './container-runtime.js';
import { ContainerExec, type ContainerExecSpec } from './container-exec.js';
import type { ContainerUser } from './container-user.js';
import { runLabels } from './labels.js';

export interface RunContainerOptions {
  runtime: ContainerRuntime;
  runId: string;
  image: string;
  /** Host path of the static supervisor binary (mounted read-only at the same path). */
  helper: string;
  user: ContainerUser;
  limits: ResourceLimits;
  tmpfs: string;
}

interface Started {
  id: string;
  initPid: number;
  /** The container's processes are visible here (a local engine): signals and /proc go direct. */
  hostPids: boolean;
}

export class RunContainer {
  private started: Promise<Started> | undefined;
  private readonly lifelines: Duplex[] = [];
  private workDir: string | undefined;
  /** Folders the run container may write: <workDir>/scratch and the scenario artifacts. */
  private writableRoots: string[] = [];

  constructor(
    private readonly opts: RunContainerOptions,
    private readonly owned: { add(id: string): void; writable(dir: string): Promise<void> },
  ) {}

  /** The supervisor's path, the same inside the container. */
  get helper(): string {
    return this.opts.helper;
  }

  /** The work folder it mounts and the folders inside it the processes may write. */
  async mount(workDir: string, writableRoots: string[]): Promise<void> {
    this.workDir = workDir;
    this.writableRoots = writableRoots;
    for (const w of writableRoots) await this.owned.writable(w);
  }

  isWritable(dir: string): boolean {
    return this.writableRoots.some((r) => dir === r || dir.startsWith(`${r}${path.sep}`));
  }

  /**
   * One process in the container; HOME, TMPDIR, the folders of files named on its command line and
   * `writableDirs` are made writable when they may be (inside the writable roots).
   */
  async exec(spec: Omit<ContainerExecSpec, 'containerId' | 'helper' | 'hostPids'>, writableDirs: readonly string[] = []): Promise<ContainerExec> {
    const c = await this.ensure();
    const dirs = [spec.env.HOME, spec.env.TMPDIR, ...writableDirs];
    for (const a of spec.args) if (path.isAbsolute(a) && this.isWritable(path.dirname(a))) dirs.push(path.dirname(a));
    for (const d of new Set(dirs)) if (d && this.isWritable(d)) await this.owned.writable(d);
    return ContainerExec.start(this.opts.runtime, { containerId: c.id, helper: this.opts.helper, hostPids: c.hostPids, ...spec });
  }

  async isListening(port: number, proto: Proto): Promise<boolean> {
    const c = await this.ensure();
    if (c.hostPids) return (await listeningIn(`/proc/${c.initPid}/net`, port, proto)) ?? false;
    const s = await this.opts.runtime.exec(c.id, { cmd: [this.opts.helper, 'listening', proto, String(port)], env: {}, workingDir: '/', stdin: false });
    s.stdout.resume();
    s.stderr.resume();
    await new Promise((r) => s.stdout.once('end', r));
    return (await this.opts.runtime.inspectExec(s.id)).exitCode === 0;
  }

  /** Closes the lifelines (the supervisor then exits and the container removes itself). */
  close(): void {
    for (const l of this.lifelines) l.destroy();
  }

  private ensure(): Promise<Started> {
    this.started ??= this.start();
    return this.started;
  }

  private async start(): Promise<Started> {
    const { runtime, user } = this.opts;
    const workDir = this.workDir;
    if (!workDir) throw new Error('DockerBackend: prepareWorkDir was not called');
    const helperDir = path.dirname(this.opts.helper);
    const binds: BindMount[] = [
      { source: workDir, target: workDir, readOnly: true },
      { source: helperDir, target: helperDir, readOnly: true },
    ];
    for (const w of this.writableRoots) {
      await this.owned.writable(w);
      binds.push({ source: w, target: w, readOnly: false });
    }
    const id = await runtime.createContainer({
      image: this.opts.image,
      cmd: [this.opts.helper, 'init'],
      env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
      user: `${user.uid}:${user.gid}`,
      workingDir: '/tmp',
      binds,
      tmpfs: { '/tmp': this.opts.tmpfs },
      limits: this.opts.limits,
      labels: runLabels(this.opts.runId, 'sandbox'),
      openStdin: true,
      autoRemove: true,
    });
    this.owned.add(id);
    // The lifeline: the supervisor (PID 1) exits when this connection closes, so a dsgrade that
    // dies without cleaning up still takes its run container with it (auto-remove).
    const lifeline = await runtime.attach(id, { stdin: true });
    lifeline.stdout.resume();
    lifeline.stderr.resume();
    lifeline.connection.on('error', () => undefined);
    this.lifelines.push(lifeline.connection);
    await runtime.startContainer(id);
    const { pid } = await runtime.inspectContainer(id);
    const hostPids = await fs
      .readFile(`/proc/${pid}/status`, 'utf8')
      .then((s) => /^NSpid:\s+\d+\s+1\s*$/m.test(s))
      .catch(() => false);
    debug('docker', `run container ${id.slice(0, 12)} ready (init pid ${pid}, host signals: ${hostPids})`);
    return { id, initPid: pid, hostPids };
  }
}
