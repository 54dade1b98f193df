/**
 * ContainerRuntime over dockerode. Every call is logged at debug level (DSGRADE_DEBUG=1) with the
 * container or exec id — "creating container…", "created container <id>", "failed to …: <err>" —
 * and an engine that cannot be reached becomes one DsgradeError that names the fix.
 */
import Docker from 'dockerode';
import { PassThrough, type Readable } from 'node:stream';
import { DsgradeError } from '../../errors.js';
import { debug } from '../../util/debug.js';
import type {
  ContainerRuntime,
  ContainerSpec,
  ContainerStatus,
  EngineInfo,
  ExecSession,
  ExecSpec,
  ExecStatus,
  ImageInfo,
  Labels,
  ListedResource,
  StdioSession,
} from './container-runtime.js';

const log = (m: string): void => debug('docker', m);
const short = (id: string): string => id.slice(0, 12);

/** Where dockerode will connect: $DOCKER_HOST, else the default socket. */
export function engineAddress(): string {
  return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

export function unavailable(err: unknown): DsgradeError {
  const e = err as NodeJS.ErrnoException;
  const where = engineAddress();
  if (e?.code === 'EACCES' || e?.code === 'EPERM') {
    return new DsgradeError('DOCKER_UNAVAILABLE', `Docker engine not accessible: permission denied on ${where}`, {
      fix: 'add your user to the "docker" group (sudo usermod -aG docker $USER, then log in again), or run dsgrade as a user who may use the socket',
      cause: err,
    });
  }
  return new DsgradeError('DOCKER_UNAVAILABLE', `Docker engine not reachable: ${where}${e?.code ? ` (${e.code})` : ''}`, {
    fix: 'start the engine (sudo systemctl start docker, or `sudo dockerd &`; on Debian: apt-get install docker.io), or point DOCKER_HOST at a running one; `dsgrade doctor` checks the setup',
    cause: err,
  });
}

function isConnectionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES' || code === 'EPERM' || code === 'ECONNRESET';
}

export class DockerodeRuntime implements ContainerRuntime {
  private readonly docker: Docker;

  constructor(docker?: Docker) {
    this.docker = docker ?? new Docker();
  }

  /** Runs one API call with debug logs on both sides and engine errors mapped to DsgradeError. */
  private async call<T>(what: string, fn: () => Promise<T>, done?: (v: T) => string): Promise<T> {
    log(`${what}…`);
    try {
      const v = await fn();
      log(done ? done(v) : `${what}: done`);
      return v;
    } catch (err) {
      log(`failed to ${what}: ${(err as Error).message}`);
      if (isConnectionError(err)) throw unavailable(err);
      throw new DsgradeError('DOCKER_FAILED', `Docker request failed: ${what}`, {
        fix: 'see the engine message below; `dsgrade doctor` checks the setup and DSGRADE_DEBUG=1 logs every call',
        cause: err,
      });
    }
  }

  async info(): Promise<EngineInfo> {
    const v = await this.call('ask the engine for its version', () => this.docker.version(), (v) => `engine ${v.Version} (API ${v.ApiVersion})`);
    return { version: v.Version, apiVersion: v.ApiVersion, os: v.Os, arch: v.Arch };
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const c = await this.call(
      `create container from ${spec.image}`,
      () =>
        this.docker.createContainer({
          Image: spec.image,
          Cmd: spec.cmd,
          Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
          User: spec.user,
          WorkingDir: spec.workingDir,
          Labels: spec.labels,
          OpenStdin: spec.openStdin,
          StdinOnce: spec.openStdin,
          AttachStdin: spec.openStdin,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          NetworkDisabled: false,
          HostConfig: {
            NetworkMode: 'none',
            Binds: spec.binds.map((b) => `${b.source}:${b.target}:${b.readOnly ? 'ro' : 'rw'}`),
            Tmpfs: spec.tmpfs,
            ReadonlyRootfs: true,
            AutoRemove: spec.autoRemove,
            NanoCpus: Math.round(spec.limits.cpus * 1e9),
            Memory: spec.limits.memoryBytes,
            MemorySwap: spec.limits.memoryBytes,
            PidsLimit: spec.limits.pids,
            CapDrop: ['ALL'],
            SecurityOpt: ['no-new-privileges'],
            Init: false,
            IpcMode: 'private',
          },
        }),
      (c) => `created container ${short(c.id)}`,
    );
    return c.id;
  }

  async attach(id: string, opts: { stdin: boolean }): Promise<StdioSession> {
    const c = this.docker.getContainer(id);
    const connection = await this.call(`attach to container ${short(id)}`, () => c.attach({ stream: true, stdin: opts.stdin, stdout: true, stderr: true, hijack: true }), () => `attached to container ${short(id)}`);
    return this.demux(connection);
  }

  private demux(connection: import('node:stream').Duplex): StdioSession {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    this.docker.modem.demuxStream(connection, stdout, stderr);
    const end = (): void => {
      stdout.end();
      stderr.end();
    };
    connection.once('end', end);
    connection.once('close', end);
    connection.once('error', end);
    return { stdout, stderr, connection };
  }

  async startContainer(id: string): Promise<void> {
    await this.call(`start container ${short(id)}`, () => this.docker.getContainer(id).start(), () => `started container ${short(id)}`);
  }

  async waitContainer(id: string): Promise<number> {
    const r = await this.call(`wait for container ${short(id)}`, () => this.docker.getContainer(id).wait({ condition: 'not-running' }), (r) => `container ${short(id)} exited with ${r.StatusCode}`);
    return r.StatusCode;
  }

  async inspectContainer(id: string): Promise<ContainerStatus> {
    const r = await this.call(`inspect container ${short(id)}`, () => this.docker.getContainer(id).inspect());
    return { running: r.State.Running, exitCode: r.State.ExitCode, oomKilled: r.State.OOMKilled, pid: r.State.Pid };
  }

  async removeContainer(id: string): Promise<void> {
    await this.remove({ kind: 'container', id });
  }

  async exec(id: string, spec: ExecSpec): Promise<ExecSession> {
    const c = this.docker.getContainer(id);
    const ex = await this.call(
      `create exec in container ${short(id)}: ${spec.cmd.join(' ')}`,
      () =>
        c.exec({
          Cmd: spec.cmd,
          Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
          WorkingDir: spec.workingDir,
          AttachStdin: spec.stdin,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
        }),
      (e) => `created exec ${short(e.id)} in container ${short(id)}`,
    );
    const connection = await this.call(`start exec ${short(ex.id)}`, () => ex.start({ hijack: true, stdin: spec.stdin }), () => `started exec ${short(ex.id)} in container ${short(id)}`);
    return { id: ex.id, ...this.demux(connection) };
  }

  async inspectExec(execId: string): Promise<ExecStatus> {
    const r = await this.call(`inspect exec ${short(execId)}`, () => this.docker.getExec(execId).inspect());
    return { running: r.Running, exitCode: r.ExitCode, pid: r.Pid };
  }

  async list(labels: Labels): Promise<ListedResource[]> {
    const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    const filters = JSON.stringify({ label });
    const [containers, networks, volumes] = await this.call(`list resources labelled ${label.join(',')}`, () =>
      Promise.all([this.docker.listContainers({ all: true, filters }), this.docker.listNetworks({ filters }), this.docker.listVolumes({ filters })]),
    );
    return [
      ...containers.map((c) => ({ kind: 'container' as const, id: c.Id, name: c.Names[0]?.replace(/^\//, '') ?? short(c.Id), labels: c.Labels, state: c.State })),
      ...networks.map((n) => ({ kind: 'network' as const, id: n.Id, name: n.Name, labels: n.Labels ?? {} })),
      ...(volumes.Volumes ?? []).map((v) => ({ kind: 'volume' as const, id: v.Name, name: v.Name, labels: v.Labels ?? {} })),
    ];
  }

  async remove(r: Pick<ListedResource, 'kind' | 'id'>): Promise<void> {
    try {
      await this.call(`remove ${r.kind} ${short(r.id)}`, () => {
        if (r.kind === 'container') return this.docker.getContainer(r.id).remove({ force: true, v: true });
        if (r.kind === 'network') return this.docker.getNetwork(r.id).remove();
        return this.docker.getVolume(r.id).remove();
      }, () => `removed ${r.kind} ${short(r.id)}`);
    } catch (err) {
      // Already gone (auto-removed, or removed by a concurrent cleanup) is what we wanted.
      const status = ((err as DsgradeError).cause as { statusCode?: number } | undefined)?.statusCode;
      if (status === 404 || status === 409) return;
      throw err;
    }
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const r = await this.call(`inspect image ${ref}`, () => this.docker.getImage(ref).inspect());
      return { id: r.Id, labels: r.Config.Labels ?? {}, env: r.Config.Env ?? [] };
    } catch (err) {
      const status = ((err as DsgradeError).cause as { statusCode?: number } | undefined)?.statusCode;
      if (status === 404) return undefined;
      throw err;
    }
  }

  async buildImage(context: Readable, tag: string, labels: Labels, onLog?: (line: string) => void): Promise<void> {
    const stream = await this.call(`build image ${tag}`, () => this.docker.buildImage(context, { t: tag, labels: JSON.stringify(labels), rm: true, forcerm: true, nocache: false }));
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      let failure: string | undefined;
      stream.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let nl;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (!line) continue;
          try {
            const msg = JSON.parse(line) as { stream?: string; error?: string };
            if (msg.error) failure = msg.error;
            if (msg.stream?.trim()) onLog?.(msg.stream.trim());
          } catch {
            onLog?.(line);
          }
        }
      });
      stream.once('error', reject);
      stream.once('end', () => (failure ? reject(new DsgradeError('DOCKER_FAILED', `building image ${tag} failed: ${failure}`, { fix: 'see the build output above; `dsgrade images build` retries' })) : resolve()));
    });
    log(`built image ${tag}`);
  }
}
