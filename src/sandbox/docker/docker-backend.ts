/**
 * The Docker backend of one graded submission (docs/docker.md):
 *
 * - every go command runs in its own build container from the toolchain image: the module tree
 *   mounted read-only, its output folder, scratch folder and a Docker-only build cache writable;
 * - every test, student-test run, scenario node, fault proxy and checker runs in ONE sandbox
 *   container from the run image, started lazily, through `docker exec` of the supervisor
 *   (sandbox-exec.ts). Nodes and the proxy talk over the container's own loopback;
 * - all containers: `--network none`, CPU/memory/pids limits, a non-root user, no capabilities,
 *   no-new-privileges, read-only root filesystem with a tmpfs on /tmp, labelled with the run id.
 *
 * Host folders are mounted at the same path inside, so every path the pipeline computes (binaries,
 * scratch folders, result files, compiler diagnostics) means the same thing on both sides and the
 * verdict code is shared with the local backend.
 */
import { promises as fs } from 'node:fs';
import type { Duplex } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { goEnv, type GoToolchain } from '../../build/go-env.js';
import type { GoCommandOptions } from '../../build/go-command.js';
import type { Proto } from '../../scenario/types.js';
import { debug } from '../../util/debug.js';
import type { NodeHandle, ProcessBackend } from '../backend.js';
import type { NodeProcessSpec } from '../node-process.js';
import { OutputCapture } from '../output-capture.js';
import type { ProcessOutcome, ProcessSpec } from '../process.js';
import type { BindMount, ContainerRuntime, ResourceLimits } from './container-runtime.js';
import { runLabels } from './labels.js';
import type { ResolvedImages } from './images.js';
import { decodeExit, SandboxExec } from './sandbox-exec.js';

/** The uid:gid processes run as inside containers when dsgrade runs as root. */
export const SANDBOX_UID = 10001;

export interface DockerBackendOptions {
  runtime: ContainerRuntime;
  runId: string;
  images: ResolvedImages;
  /** Host path of the static supervisor binary (mounted read-only at the same path). */
  helper: string;
  cacheDir: string;
  /** Scenario artifacts kept outside the work folder (--artifacts): the sandbox may write there. */
  artifactsDir?: string;
  limits: ResourceLimits;
}

export function defaultLimits(env: NodeJS.ProcessEnv = process.env): ResourceLimits {
  const num = (v: string | undefined, d: number): number => (v && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : d);
  return {
    cpus: num(env.DSGRADE_DOCKER_CPUS, os.availableParallelism()),
    memoryBytes: num(env.DSGRADE_DOCKER_MEMORY_MB, Math.min(4096, Math.floor(os.totalmem() / 2 / 1024 ** 2))) * 1024 ** 2,
    pids: num(env.DSGRADE_DOCKER_PIDS, 1024),
  };
}

/** The container user: the caller's own uid (files stay theirs), or SANDBOX_UID when dsgrade runs as root. */
export function containerUser(): { uid: number; gid: number } {
  const uid = process.getuid?.() ?? SANDBOX_UID;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? uid };
  return { uid: SANDBOX_UID, gid: SANDBOX_UID };
}

const TMPFS = (u: { uid: number; gid: number }): string => `rw,nosuid,nodev,size=512m,mode=1777,uid=${u.uid},gid=${u.gid}`;
const BUILD_OUTPUT_BYTES = 256 * 1024;
const BUILD_FLOOD_BYTES = 64 * 1024 * 1024;

export class DockerBackend implements ProcessBackend {
  readonly kind = 'docker' as const;
  private readonly user = containerUser();
  private sandbox: Promise<{ id: string; initPid: number; hostPids: boolean }> | undefined;
  private readonly live = new Set<string>();
  private readonly lifelines: Duplex[] = [];
  private closed = false;
  private workDir: string | undefined;
  /** Folders the sandbox may write: <workDir>/scratch and the scenario artifacts. */
  private writableRoots: string[] = [];

  constructor(private readonly opts: DockerBackendOptions) {}

  get goVersion(): string {
    return this.opts.images.go.version;
  }

  /** Where Docker builds keep GOCACHE/GOPATH: separate from local builds (other owner, other toolchain image). */
  get buildCacheDir(): string {
    return path.join(this.opts.cacheDir, `docker-${this.user.uid}`);
  }

  private get root(): boolean {
    return process.getuid?.() === 0;
  }

  /** Makes `dir` exist and, when dsgrade is root, belong to the container user. */
  private async writable(dir: string, recursive = false): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    if (!this.root) return;
    await fs.chown(dir, this.user.uid, this.user.gid);
    if (recursive) {
      for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
        await fs.lchown(path.join(e.parentPath, e.name), this.user.uid, this.user.gid).catch(() => undefined);
      }
    }
  }

  /** Folders on the way to `dir` must be passable by the container user (mkdtemp makes them 0700). */
  private async passable(dir: string): Promise<void> {
    if (!this.root) return;
    const st = await fs.stat(dir);
    if ((st.mode & 0o011) !== 0o011) await fs.chmod(dir, (st.mode & 0o7777) | 0o011);
  }

  private labels(role: string): Record<string, string> {
    return runLabels(this.opts.runId, role);
  }

  private helperMount(): BindMount {
    const dir = path.dirname(this.opts.helper);
    return { source: dir, target: dir, readOnly: true };
  }

  /** Called once the run's work folder exists, before anything runs (gradeSubmission). */
  async prepareWorkDir(workDir: string): Promise<void> {
    this.workDir = workDir;
    this.writableRoots = [path.join(workDir, 'scratch'), this.opts.artifactsDir ?? path.join(workDir, 'artifacts')];
    await this.passable(workDir);
    for (const w of this.writableRoots) await this.writable(w);
  }

  // ---- the sandbox container -------------------------------------------------------------

  private ensureSandbox(): Promise<{ id: string; initPid: number; hostPids: boolean }> {
    this.sandbox ??= this.startSandbox();
    return this.sandbox;
  }

  private async startSandbox(): Promise<{ id: string; initPid: number; hostPids: boolean }> {
    const { runtime } = this.opts;
    const workDir = this.workDir;
    if (!workDir) throw new Error('DockerBackend: prepareWorkDir was not called');
    const binds: BindMount[] = [{ source: workDir, target: workDir, readOnly: true }, this.helperMount()];
    for (const w of this.writableRoots) {
      await this.writable(w);
      binds.push({ source: w, target: w, readOnly: false });
    }
    const id = await runtime.createContainer({
      image: this.opts.images.run,
      cmd: [this.opts.helper, 'init'],
      env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
      user: `${this.user.uid}:${this.user.gid}`,
      workingDir: '/tmp',
      binds,
      tmpfs: { '/tmp': TMPFS(this.user) },
      limits: this.opts.limits,
      labels: this.labels('sandbox'),
      openStdin: true,
      autoRemove: true,
    });
    this.live.add(id);
    // The lifeline: the supervisor (PID 1) exits when this connection closes, so a dsgrade that
    // dies without cleaning up still takes its sandbox with it (auto-remove).
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
    debug('docker', `sandbox container ${id.slice(0, 12)} ready (init pid ${pid}, host signals: ${hostPids})`);
    return { id, initPid: pid, hostPids };
  }

  private async startExec(spec: { file: string; args: string[]; cwd: string; env: Record<string, string>; stdin: boolean; fd3?: Buffer; onOutput: NodeProcessSpec['onOutput'] }): Promise<SandboxExec> {
    const sb = await this.ensureSandbox();
    // HOME and TMPDIR (where a test attempt's result file is) are the process's to write (when they are ours to give).
    // So are the folders of files named on its command line there (the proxy's trace file).
    const dirs = [spec.env.HOME, spec.env.TMPDIR];
    for (const a of spec.args) if (path.isAbsolute(a) && this.isWritable(path.dirname(a))) dirs.push(path.dirname(a));
    for (const d of new Set(dirs)) if (d && this.isWritable(d)) await this.writable(d);
    return SandboxExec.start(this.opts.runtime, { containerId: sb.id, helper: this.opts.helper, hostPids: sb.hostPids, ...spec });
  }

  private isWritable(dir: string): boolean {
    return this.writableRoots.some((r) => dir === r || dir.startsWith(`${r}${path.sep}`));
  }

  async runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
    const started = performance.now();
    const capture = new OutputCapture(spec.outputBudgetBytes);
    let flooded = false;
    let timedOut = false;
    let proc: SandboxExec;
    try {
      proc = await this.startExec({
        file: spec.file,
        args: spec.args,
        cwd: spec.cwd,
        env: spec.env,
        stdin: spec.stdin !== undefined,
        ...(spec.fd3 ? { fd3: spec.fd3 } : {}),
        onOutput: (_s, chunk) => {
          capture.push(chunk);
          if (!flooded && capture.total > spec.floodLimitBytes) {
            flooded = true;
            proc?.signal('SIGKILL');
          }
        },
      });
    } catch (err) {
      return { exitCode: null, signal: null, timedOut: false, flooded: false, output: '', outputBytes: 0, durationMs: Math.round(performance.now() - started), spawnError: (err as Error).message };
    }
    // The fd 3 bytes went first (SandboxExec.start); the program's stdin follows.
    if (spec.stdin !== undefined) proc.write(spec.stdin);
    if (spec.stdin !== undefined || spec.fd3) proc.closeStdin();
    const timer = setTimeout(() => {
      if (proc.running) timedOut = true;
      proc.signal('SIGKILL');
    }, spec.timeoutMs);
    const exit = await proc.exited;
    clearTimeout(timer);
    const output = capture.text();
    if (exit.code === 127 && /^dsgrade-exec: cannot start /m.test(output)) {
      return { exitCode: null, signal: null, timedOut: false, flooded: false, output: '', outputBytes: 0, durationMs: Math.round(performance.now() - started), spawnError: output.trim() };
    }
    return { exitCode: exit.code, signal: exit.signal, timedOut, flooded, output, outputBytes: capture.total, durationMs: Math.round(performance.now() - started) };
  }

  async spawnNode(spec: NodeProcessSpec): Promise<NodeHandle> {
    return this.startExec({ file: spec.file, args: spec.args, cwd: spec.cwd, env: spec.env, stdin: true, onOutput: spec.onOutput });
  }

  async isListening(port: number, proto: Proto): Promise<boolean> {
    const sb = await this.ensureSandbox();
    if (sb.hostPids) return listeningIn(`/proc/${sb.initPid}/net`, port, proto);
    const s = await this.opts.runtime.exec(sb.id, { cmd: [this.opts.helper, 'listening', proto, String(port)], env: {}, workingDir: '/', stdin: false });
    s.stdout.resume();
    s.stderr.resume();
    await new Promise((r) => s.stdout.once('end', r));
    return (await this.opts.runtime.inspectExec(s.id)).exitCode === 0;
  }

  // ---- build containers ------------------------------------------------------------------

  async runGo(args: string[], opts: GoCommandOptions): Promise<ProcessOutcome> {
    const started = performance.now();
    const { runtime, images } = this.opts;
    const toolchain: GoToolchain = images.go;
    const cache = this.buildCacheDir;
    const fresh = !(await fs.stat(cache).catch(() => undefined));
    await this.writable(cache);
    if (fresh) await this.writable(path.join(cache, 'go-build'));
    const env = await goEnv({ toolchain, cacheDir: cache, scratchDir: opts.scratchDir, allowDownloads: opts.allowDownloads, cgo: opts.cgo });
    await this.writable(path.join(cache, 'go-build'));
    await this.writable(path.join(cache, 'gopath'));
    await this.writable(opts.scratchDir);
    const o = args.indexOf('-o');
    const outputs = [...(opts.outputDirs ?? []), ...(o >= 0 && args[o + 1] ? [path.dirname(args[o + 1]!)] : [])];
    for (const d of outputs) await this.writable(d);
    const binds: BindMount[] = [
      { source: opts.moduleDir, target: opts.moduleDir, readOnly: true },
      { source: cache, target: cache, readOnly: false },
      { source: opts.scratchDir, target: opts.scratchDir, readOnly: false },
      ...[...new Set(outputs)].map((d) => ({ source: d, target: d, readOnly: false })),
      this.helperMount(),
    ];
    const capture = new OutputCapture(BUILD_OUTPUT_BYTES);
    let timedOut = false;
    let flooded = false;
    let id: string | undefined;
    try {
      id = await runtime.createContainer({
        image: images.toolchain,
        cmd: [this.opts.helper, 'run', '-lifeline', '--', toolchain.go, ...args],
        env: { ...env, DSGRADE_EXEC_KEEP: Object.keys(env).join(',') },
        user: `${this.user.uid}:${this.user.gid}`,
        workingDir: opts.moduleDir,
        binds,
        tmpfs: { '/tmp': TMPFS(this.user) },
        limits: this.opts.limits,
        labels: this.labels('build'),
        openStdin: true,
        autoRemove: false,
      });
      this.live.add(id);
      const session = await runtime.attach(id, { stdin: true });
      session.connection.on('error', () => undefined);
      let header = true;
      session.stdout.on('data', (chunk: Buffer) => {
        if (header) {
          header = false;
          const m = /^\0dsgrade-exec pid=\d+\n/.exec(chunk.toString('latin1'));
          if (m) chunk = chunk.subarray(m[0].length);
        }
        push(chunk);
      });
      const containerId = id;
      const push = (chunk: Buffer): void => {
        capture.push(chunk);
        if (!flooded && capture.total > BUILD_FLOOD_BYTES) {
          flooded = true;
          void runtime.removeContainer(containerId).catch(() => undefined);
        }
      };
      session.stderr.on('data', push);
      const ended = new Promise((r) => session.stdout.once('end', r));
      await runtime.startContainer(id);
      const timer = setTimeout(() => {
        timedOut = true;
        void runtime.removeContainer(containerId).catch(() => undefined);
      }, opts.timeoutMs);
      let status: number | null;
      try {
        status = await runtime.waitContainer(id);
      } catch {
        status = null; // removed: timed out or flooded
      }
      clearTimeout(timer);
      await Promise.race([ended, new Promise((r) => setTimeout(r, 1000))]);
      session.connection.destroy();
      const exit = timedOut || flooded ? { code: null, signal: 'SIGKILL' } : decodeExit(status);
      return { exitCode: exit.code, signal: exit.signal, timedOut, flooded, output: capture.text(), outputBytes: capture.total, durationMs: Math.round(performance.now() - started) };
    } catch (err) {
      return { exitCode: null, signal: null, timedOut: false, flooded: false, output: capture.text(), outputBytes: capture.total, durationMs: Math.round(performance.now() - started), spawnError: (err as Error).message };
    } finally {
      if (id) {
        this.live.delete(id);
        await runtime.removeContainer(id).catch(() => undefined);
      }
    }
  }

  /** Removes the sandbox and any build container still running. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.lifelines) l.destroy();
    await Promise.all([...this.live].map((id) => this.opts.runtime.removeContainer(id).catch(() => undefined)));
    this.live.clear();
  }
}

/** /proc/<pid>/net/{tcp,tcp6,udp,udp6} of a container's init: a listening socket on `port`. */
export async function listeningIn(netDir: string, port: number, proto: Proto): Promise<boolean> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const f of proto === 'tcp' ? ['tcp', 'tcp6'] : ['udp', 'udp6']) {
    let text: string;
    try {
      text = await fs.readFile(path.join(netDir, f), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === (proto === 'tcp' ? '0A' : '07')) return true;
    }
  }
  return false;
}
