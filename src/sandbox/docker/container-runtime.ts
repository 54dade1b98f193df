/**
 * The container runtime dsgrade needs, as plain data in and out: create, attach, start, exec,
 * inspect, remove, list by label, build images. One implementation (dockerode-runtime.ts); tests
 * and the backend only see this interface, so Docker's API never leaks into the pipeline.
 */
import type { Duplex, Readable } from 'node:stream';

export type Labels = Record<string, string>;

/** A host folder or file mounted at `target` inside the container. */
export interface BindMount {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ResourceLimits {
  /** CPUs (fractions allowed). */
  cpus: number;
  memoryBytes: number;
  /** Most processes and threads at once (fork bombs stop here). */
  pids: number;
}

export interface ContainerSpec {
  image: string;
  cmd: string[];
  env: Record<string, string>;
  /** "uid:gid"; never root. */
  user: string;
  workingDir: string;
  binds: BindMount[];
  /** Mount point → tmpfs options (size, mode, uid, gid). */
  tmpfs: Record<string, string>;
  limits: ResourceLimits;
  labels: Labels;
  /** Keep stdin open so the container's supervisor notices when dsgrade goes away. */
  openStdin: boolean;
  /** Remove the container as soon as it stops (a crash of dsgrade leaves nothing behind). */
  autoRemove: boolean;
}

export interface ExecSpec {
  cmd: string[];
  env: Record<string, string>;
  workingDir: string;
  /** Attach stdin (a writable end on the session); otherwise the process reads /dev/null. */
  stdin: boolean;
}

/** A running exec or attach: its output demultiplexed, its stdin when asked for. */
export interface StdioSession {
  stdout: Readable;
  stderr: Readable;
  /** The raw connection: write to send stdin, end() to close stdin, destroy() to hang up. */
  connection: Duplex;
}

export interface ExecSession extends StdioSession {
  id: string;
}

export interface ExecStatus {
  running: boolean;
  exitCode: number | null;
  /** Process id in the host's namespace (0 when not known yet or not visible). */
  pid: number;
}

export interface ContainerStatus {
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  /** The init process's id in the host's namespace (0 when stopped). */
  pid: number;
}

export type ResourceKind = 'container' | 'network' | 'volume';

export interface ListedResource {
  kind: ResourceKind;
  id: string;
  name: string;
  labels: Labels;
  state?: string;
}

export interface ImageInfo {
  id: string;
  labels: Labels;
  env: string[];
}

export interface EngineInfo {
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
}

export interface ContainerRuntime {
  /** Fails with DOCKER_UNAVAILABLE (naming the fix) when no engine answers. */
  info(): Promise<EngineInfo>;
  createContainer(spec: ContainerSpec): Promise<string>;
  attach(id: string, opts: { stdin: boolean }): Promise<StdioSession>;
  startContainer(id: string): Promise<void>;
  /** Resolves with the exit status once the container has stopped. */
  waitContainer(id: string): Promise<number>;
  inspectContainer(id: string): Promise<ContainerStatus>;
  removeContainer(id: string): Promise<void>;
  exec(id: string, spec: ExecSpec): Promise<ExecSession>;
  inspectExec(execId: string): Promise<ExecStatus>;
  /** Everything carrying all of these labels. */
  list(labels: Labels): Promise<ListedResource[]>;
  remove(resource: Pick<ListedResource, 'kind' | 'id'>): Promise<void>;
  inspectImage(ref: string): Promise<ImageInfo | undefined>;
  /** Builds from a tar stream holding a Dockerfile at its root (no registry: FROM scratch or a local base). */
  buildImage(context: Readable, tag: string, labels: Labels, onLog?: (line: string) => void): Promise<void>;
}
