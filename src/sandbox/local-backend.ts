/**
 * The local backend: builds and student processes on this machine, in their own process groups,
 * through the jail when there is one (jail.ts; none when DSGRADE_SANDBOX=off). Without a jail it
 * is also the explicit, unjailed runner of dsgrade's own trusted tools (`unjailedBackend`).
 */
import net from 'node:net';
import type { Proto } from '../core/net.js';
import type { GoToolchain } from '../core/toolchain.js';
import type { Backend, BuildSpec, NodeHandle } from './backend.js';
import type { Jail } from './jail.js';
import { listeningIn } from './listening.js';
import { startLocalProbe, type LoadProbe } from './load-probe.js';
import { machineResources, type MachineResources } from './machine-resources.js';
import { spawnLocalNode, type NodeProcessSpec } from './node-process.js';
import { runLocalProcess, type ProcessOutcome, type ProcessSpec } from './process.js';

export interface LocalBackendOptions {
  /** This machine's Go. */
  toolchain: GoToolchain;
  /** dsgrade's cache folder: GOCACHE/GOPATH of builds without a jail. */
  cacheDir: string;
  jail?: Jail;
  /** More warnings for the run's notices (the project folder readable by run uids). */
  warnings?: string[];
}

export class LocalBackend implements Backend {
  readonly kind = 'local' as const;
  readonly toolchain: GoToolchain;
  readonly jail: Jail | undefined;
  readonly warnings: readonly string[];
  private readonly cacheDir: string;

  constructor(opts: LocalBackendOptions) {
    this.toolchain = opts.toolchain;
    this.cacheDir = opts.cacheDir;
    this.jail = opts.jail;
    this.warnings = [...(opts.jail?.warnings ?? []), ...(opts.warnings ?? [])];
  }

  get sealsBinaries(): boolean {
    return this.jail !== undefined;
  }

  async buildCacheDir(): Promise<string> {
    // Jailed builds run as the builder uid, with a cache it owns (the caller's may be in a private home).
    return (await this.jail?.buildCache()) ?? this.cacheDir;
  }

  runBuild(spec: BuildSpec): Promise<ProcessOutcome> {
    return runLocalProcess({ ...spec, jail: { role: 'build', writableDirs: [spec.scratchDir, ...spec.outputDirs] } }, this.jail);
  }

  runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
    return runLocalProcess(spec, this.jail);
  }

  spawnNode(spec: NodeProcessSpec): Promise<NodeHandle> {
    return spawnLocalNode(spec, this.jail);
  }

  async isListening(port: number, proto: Proto): Promise<boolean> {
    const seen = await listeningIn('/proc/net', port, proto);
    if (seen !== undefined || proto === 'udp') return seen ?? false;
    // No /proc (not Linux): connect, the one probe left.
    return new Promise((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port }, () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
  }

  async prepareWorkDir(workDir: string, moduleDir: string): Promise<void> {
    await this.jail?.prepareWorkDir(workDir, moduleDir);
  }

  async giveToBuilder(dir: string): Promise<void> {
    await this.jail?.giveToBuilder(dir);
  }

  /** This process's cgroup limits: the jail changes no cgroup, so student processes have the same. */
  async resources(): Promise<MachineResources> {
    return machineResources();
  }

  async startLoadProbe(): Promise<LoadProbe> {
    return startLocalProbe();
  }

  async close(): Promise<void> {
    // Nothing outlives a run here: process groups and uids are cleaned up as each process ends.
  }
}

/** The runner of dsgrade's own trusted tools (harness programs, `go list`): this machine, no jail. */
export function unjailedBackend(toolchain: GoToolchain, cacheDir: string): LocalBackend {
  return new LocalBackend({ toolchain, cacheDir });
}
