/**
 * Opening and closing the Docker backend of one graded submission: check the engine, make sure the
 * images exist (built once per input hash), remove what crashed dsgrade
 * processes left behind, and register the run's cleanup with the interrupt handler so Ctrl-C
 * removes every container of the run before dsgrade exits.
 */
import type { GoToolchain } from '../../core/toolchain.js';
import { debug } from '../../util/debug.js';
import { registerAsyncCleanup } from '../interrupt.js';
import type { ContainerRuntime, ResourceLimits } from './container-runtime.js';
import { cleanupRun, removeResources } from './cleanup.js';
import { defaultLimits } from './container-user.js';
import { DockerBackend } from './docker-backend.js';
import { DockerodeRuntime } from './dockerode-runtime.js';
import { ensureImages } from './images.js';
import { managedFilter, newRunId, ownerIsGone, OWNER_LABEL } from './labels.js';

export interface DockerOptions {
  /** An image with Go to use for builds and runs instead of the images dsgrade builds (e.g. golang:1.23). */
  baseImage?: string;
  limits?: Partial<ResourceLimits>;
  /** Injectable for tests. */
  runtime?: ContainerRuntime;
  /** Image build progress (first run only). */
  onLog?: (line: string) => void;
}

export interface DockerRun {
  backend: DockerBackend;
  runId: string;
  /** Removes every container of the run; idempotent. */
  close(): Promise<void>;
}

let sharedRuntime: ContainerRuntime | undefined;
let staleChecked = false;

export function dockerRuntime(): ContainerRuntime {
  sharedRuntime ??= new DockerodeRuntime();
  return sharedRuntime;
}

/** Removes resources whose owning dsgrade process (on this machine) no longer exists. */
export async function removeStale(runtime: ContainerRuntime): Promise<number> {
  const stale = (await runtime.list(managedFilter())).filter((r) => ownerIsGone(r.labels[OWNER_LABEL]));
  if (stale.length === 0) return 0;
  debug('docker', `removing ${stale.length} resource(s) left by dsgrade processes that are gone`);
  return (await removeResources(runtime, stale)).removed.length;
}

/** `helper()`: the path of harness/cmd/dsgrade-exec built for this machine (the caller builds it; the sandbox never builds). */
export async function openDockerRun(opts: DockerOptions & { hostGo: GoToolchain; helper: () => Promise<string>; cacheDir: string; artifactsDir?: string }): Promise<DockerRun> {
  const runtime = opts.runtime ?? dockerRuntime();
  await runtime.info();
  if (!staleChecked) {
    staleChecked = true;
    await removeStale(runtime).catch(() => 0);
  }
  const images = await ensureImages({ runtime, hostGo: opts.hostGo, ...(opts.baseImage ? { baseImage: opts.baseImage } : {}), ...(opts.onLog ? { onLog: opts.onLog } : {}) });
  const runId = newRunId();
  const backend = new DockerBackend({
    runtime,
    runId,
    images,
    helper: await opts.helper(),
    cacheDir: opts.cacheDir,
    ...(opts.artifactsDir ? { artifactsDir: opts.artifactsDir } : {}),
    limits: { ...defaultLimits(), ...opts.limits },
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      unregister();
      await backend.close();
      // Anything else carrying the run's label (created by a call that raced the close).
      await cleanupRun(runtime, runId).catch(() => 0);
    })();
    return closing;
  };
  const unregister = registerAsyncCleanup(close);
  debug('docker', `run ${runId}: toolchain ${images.toolchain}, sandbox ${images.run}`);
  return { backend, runId, close };
}
