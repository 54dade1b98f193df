/**
 * The Docker backend of one graded submission (docs/docker.md):
 *
 * - every go command runs in its own build container (build-container.ts);
 * - every test, student-test run, scenario node, fault proxy and checker runs in ONE run container
 *   (run-container.ts), through `docker exec` of the supervisor (container-exec.ts);
 * - all containers: `--network none`, CPU/memory/pids limits, a non-root user, no capabilities,
 *   no-new-privileges, read-only root filesystem with a tmpfs on /tmp, labelled with the run id.
 *
 * Host folders are mounted at the same path inside, so every path the pipeline computes (binaries,
 * scratch folders, result files, compiler diagnostics) means the same thing on both sides and the
 * verdict code is shared with the local backend. Supervision (time limit, output cap, flood kill)
 * is supervise.ts's, as for the local backend.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Proto } from '../../core/net.js';
import type { GoToolchain } from '../../core/toolchain.js';
import type { Backend, BuildSpec, NodeHandle } from '../backend.js';
import type { NodeProcessSpec } from '../node-process.js';
import type { ProcessOutcome, ProcessSpec } from '../process.js';
import { supervise } from '../supervise.js';
import { runBuildContainer } from './build-container.js';
import type { ContainerRuntime, ResourceLimits } from './container-runtime.js';
import type { ContainerExec } from './container-exec.js';
import { containerUser, makePassable, makeWritable, tmpfsFor } from './container-user.js';
import type { ResolvedImages } from './images.js';
import { RunContainer } from './run-container.js';
import { startContainerProbe } from './container-probe.js';
import type { LoadProbe } from '../load-probe.js';
import { machineResources, type MachineResources } from '../machine-resources.js';

export interface DockerBackendOptions {
  runtime: ContainerRuntime;
  runId: string;
  images: ResolvedImages;
  /** Host path of the static supervisor binary (mounted read-only at the same path). */
  helper: string;
  cacheDir: string;
  /** Scenario artifacts kept outside the work folder (--artifacts): the run container may write there. */
  artifactsDir?: string;
  limits: ResourceLimits;
}

export class DockerBackend implements Backend {
  readonly kind = 'docker' as const;
  readonly sealsBinaries = true;
  readonly warnings: readonly string[] = [];
  private readonly user = containerUser();
  private readonly live = new Set<string>();
  private readonly run: RunContainer;
  private closed = false;

  constructor(private readonly opts: DockerBackendOptions) {
    this.run = new RunContainer(
      { runtime: opts.runtime, runId: opts.runId, image: opts.images.run, helper: opts.helper, user: this.user, limits: opts.limits, tmpfs: tmpfsFor(this.user) },
      { add: (id) => this.live.add(id), writable: (dir) => makeWritable(this.user, dir) },
    );
  }

  /** The Go of the toolchain image (a --base-image's Go). */
  get toolchain(): GoToolchain {
    return this.opts.images.go;
  }

  /** Where Docker builds keep GOCACHE/GOPATH: separate from local builds (other owner, other toolchain image). */
  async buildCacheDir(): Promise<string> {
    const cache = path.join(this.opts.cacheDir, `docker-${this.user.uid}`);
    const fresh = !(await fs.stat(cache).catch(() => undefined));
    await makeWritable(this.user, cache);
    if (fresh) await makeWritable(this.user, path.join(cache, 'go-build'));
    return cache;
  }

  async prepareWorkDir(workDir: string): Promise<void> {
    await makePassable(workDir);
    await this.run.mount(workDir, [path.join(workDir, 'scratch'), this.opts.artifactsDir ?? path.join(workDir, 'artifacts')]);
  }

  async giveToBuilder(): Promise<void> {
    // Build containers mount the module tree read-only: nothing to hand over.
  }

  runBuild(spec: BuildSpec): Promise<ProcessOutcome> {
    const { runtime, runId, images, helper, limits } = this.opts;
    return runBuildContainer({ runtime, runId, image: images.toolchain, helper, user: this.user, limits, tmpfs: tmpfsFor(this.user), live: this.live }, spec);
  }

  runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
    return supervise(
      spec,
      async (onOutput) => {
        const proc: ContainerExec = await this.run.exec(
          {
            file: spec.file,
            args: spec.args,
            cwd: spec.cwd,
            env: spec.env,
            stdin: spec.stdin !== undefined,
            ...(spec.fd3 ? { fd3: spec.fd3 } : {}),
            onOutput: (_s, chunk) => onOutput(chunk),
          },
          // The folders the jail would give the process's uid locally (a test attempt's artifacts folder).
          spec.jail?.writableDirs ?? [],
        );
        // The fd 3 bytes went first (ContainerExec.start); the program's stdin follows.
        if (spec.stdin !== undefined) proc.write(spec.stdin);
        if (spec.stdin !== undefined || spec.fd3) proc.closeStdin();
        return { exited: proc.exited, running: () => proc.running, kill: () => proc.signal('SIGKILL') };
      },
      (exit, output) => (exit.code === 127 && /^dsgrade-exec: cannot start /m.test(output) ? output.trim() : undefined),
    );
  }

  spawnNode(spec: NodeProcessSpec): Promise<NodeHandle> {
    return this.run.exec({ file: spec.file, args: spec.args, cwd: spec.cwd, env: spec.env, stdin: true, onOutput: spec.onOutput });
  }

  isListening(port: number, proto: Proto): Promise<boolean> {
    return this.run.isListening(port, proto);
  }

  /**
   * The run container's limits (`--cpus`, `--memory`), within what this machine has: the engine
   * is local (the work folder is bind-mounted), so its machine is this one.
   */
  async resources(): Promise<MachineResources> {
    const here = machineResources();
    const { cpus, memoryBytes } = this.opts.limits;
    return {
      cores: Math.min(here.cores, cpus),
      memoryBytes: Math.min(here.memoryBytes, memoryBytes),
      source: `the run container: --cpus ${cpus}, --memory ${Math.round(memoryBytes / 1024 ** 2)} MiB`,
    };
  }

  startLoadProbe(): Promise<LoadProbe> {
    return startContainerProbe(this.run);
  }

  /** Removes the run container and any build container still running. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.run.close();
    await Promise.all([...this.live].map((id) => this.opts.runtime.removeContainer(id).catch(() => undefined)));
    this.live.clear();
  }
}
