/**
 * One go command in its own build container from the toolchain image: the module tree mounted
 * read-only, its cache, scratch and output folders writable, supervised like every other process
 * (supervise.ts); a timeout or a flood removes the container.
 */
import path from 'node:path';
import type { BuildSpec } from '../backend.js';
import type { ProcessOutcome } from '../process.js';
import { supervise } from '../supervise.js';
import type { BindMount, ContainerRuntime, ResourceLimits } from './container-runtime.js';
import { decodeExit } from './container-exec.js';
import { makeWritable, type ContainerUser } from './container-user.js';
import { UsageTrailer } from './usage-trailer.js';
import { runLabels } from './labels.js';

export interface BuildContainerOptions {
  runtime: ContainerRuntime;
  runId: string;
  image: string;
  helper: string;
  user: ContainerUser;
  limits: ResourceLimits;
  tmpfs: string;
  /** The backend's set of live containers (removed on close). */
  live: Set<string>;
}

export async function runBuildContainer(opts: BuildContainerOptions, spec: BuildSpec): Promise<ProcessOutcome> {
  const { runtime, user } = opts;
  for (const d of [path.join(spec.cacheDir, 'go-build'), path.join(spec.cacheDir, 'gopath'), spec.scratchDir, ...spec.outputDirs]) await makeWritable(user, d);
  const helperDir = path.dirname(opts.helper);
  const binds: BindMount[] = [
    { source: spec.cwd, target: spec.cwd, readOnly: true },
    { source: spec.cacheDir, target: spec.cacheDir, readOnly: false },
    { source: spec.scratchDir, target: spec.scratchDir, readOnly: false },
    ...[...new Set(spec.outputDirs)].map((d) => ({ source: d, target: d, readOnly: false })),
    { source: helperDir, target: helperDir, readOnly: true },
  ];
  return supervise(spec, async (onOutput) => {
    let id: string | undefined;
    let killed = false;
    const remove = (): void => {
      if (id) void runtime.removeContainer(id).catch(() => undefined);
    };
    const cleanUp = async (): Promise<void> => {
      if (!id) return;
      opts.live.delete(id);
      await runtime.removeContainer(id).catch(() => undefined);
    };
    try {
      id = await runtime.createContainer({
        image: opts.image,
        cmd: [opts.helper, 'run', '-lifeline', '--', spec.file, ...spec.args],
        env: { ...spec.env, DSGRADE_EXEC_KEEP: Object.keys(spec.env).join(',') },
        user: `${user.uid}:${user.gid}`,
        workingDir: spec.cwd,
        binds,
        tmpfs: { '/tmp': opts.tmpfs },
        limits: opts.limits,
        labels: runLabels(opts.runId, 'build'),
        openStdin: true,
        autoRemove: false,
      });
      opts.live.add(id);
      const session = await runtime.attach(id, { stdin: true });
      session.connection.on('error', () => undefined);
      let header = true;
      // The supervisor's usage line ends stdout: not part of the go command's output.
      const trailer = new UsageTrailer();
      session.stdout.on('data', (chunk: Buffer) => {
        if (header) {
          header = false;
          const m = /^\0dsgrade-exec pid=\d+\n/.exec(chunk.toString('latin1'));
          if (m) chunk = chunk.subarray(m[0].length);
        }
        const passed = trailer.push(chunk);
        if (passed.length > 0) onOutput(passed);
      });
      session.stderr.on('data', onOutput);
      const ended = new Promise<void>((r) =>
        session.stdout.once('end', () => {
          const { rest } = trailer.end();
          if (rest.length > 0) onOutput(rest);
          r();
        }),
      );
      await runtime.startContainer(id);
      const containerId = id;
      let running = true;
      const exited = (async () => {
        let status: number | null;
        try {
          status = await runtime.waitContainer(containerId);
        } catch {
          status = null; // removed: timed out or flooded
        }
        running = false;
        await Promise.race([ended, new Promise((r) => setTimeout(r, 1000))]);
        session.connection.destroy();
        await cleanUp();
        return killed ? { code: null, signal: 'SIGKILL' } : decodeExit(status);
      })();
      return {
        exited,
        running: () => running,
        kill: () => {
          killed = true;
          remove();
        },
      };
    } catch (err) {
      await cleanUp();
      throw err;
    }
  });
}
