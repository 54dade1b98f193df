/**
 * Where student builds and processes run: a `Backend` value, chosen once per grading run and
 * passed down in the run context (src/pipeline/context.ts). `LocalBackend` runs them on this
 * machine (through the jail when there is one: local-backend.ts), `DockerBackend` in containers
 * (docker/docker-backend.ts). Stages, the scenario engine and the verdict code call the same
 * methods whichever backend they were given, so verdicts cannot differ between backends; the
 * supervision every process gets (time limit, output cap, flood kill: supervise.ts) and the
 * listening check (listening.ts) exist once and both backends use them.
 */
import type { Proto } from '../core/net.js';
import type { GoToolchain } from '../core/toolchain.js';
import type { Jail } from './jail.js';
import type { LoadProbe } from './load-probe.js';
import type { MachineResources } from './machine-resources.js';
import type { NodeExit, NodeHandle, NodeProcessSpec, ProcessOutcome, ProcessSpec } from './specs.js';

export type { NodeExit, NodeHandle };

export type BackendKind = 'local' | 'docker';

/** One go command on student code, as src/go/go-command.ts computed it. */
export interface BuildSpec {
  /** The go binary of the backend's toolchain, then its arguments. */
  file: string;
  args: string[];
  /** The module root (read-only to the build). */
  cwd: string;
  env: Record<string, string>;
  /** GOCACHE/GOPATH root the env points into (backend's buildEnv). */
  cacheDir: string;
  /** HOME/TMPDIR of the command. */
  scratchDir: string;
  /** Folders the build writes besides its scratch folder (where `-o` puts the binary). */
  outputDirs: string[];
  timeoutMs: number;
  outputBudgetBytes: number;
  floodLimitBytes: number;
}

export interface Backend {
  readonly kind: BackendKind;
  /** The Go that builds of student code use (a --base-image's Go under Docker). */
  readonly toolchain: GoToolchain;
  /** The local jail, when student code runs through one (its uid leases are the scenario engine's too). */
  readonly jail?: Jail;
  /** Built binaries become root's and execute-only (src/sandbox/work-folders.ts sealExecutable). */
  readonly sealsBinaries: boolean;
  /** Warnings for the run's notices (a weaker sandbox than asked for, an exposed project folder). */
  readonly warnings: readonly string[];
  /** GOCACHE/GOPATH root for builds of student code (made to exist and be writable by whoever builds). */
  buildCacheDir(): Promise<string>;
  runBuild(spec: BuildSpec): Promise<ProcessOutcome>;
  runProcess(spec: ProcessSpec): Promise<ProcessOutcome>;
  spawnNode(spec: NodeProcessSpec): Promise<NodeHandle>;
  /** Whether something listens on `port` where the nodes run (their network namespace). */
  isListening(port: number, proto: Proto): Promise<boolean>;
  /** Called once the run's work folder and module tree exist, before anything runs. */
  prepareWorkDir(workDir: string, moduleDir: string): Promise<void>;
  /** A copy of the module tree (a variant) becomes the builder's, like the work tree. */
  giveToBuilder(dir: string): Promise<void>;
  /** The cores and memory student processes may use (a cgroup quota, a container's limits), for the scheduler. */
  resources(): Promise<MachineResources>;
  /** Starts the load probe where student processes run (docs/scheduling.md); the caller stops it. */
  startLoadProbe(): Promise<LoadProbe>;
  /** Removes what the backend created (containers); idempotent. */
  close(): Promise<void>;
}
