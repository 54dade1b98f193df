/**
 * Choosing where one grading run's builds and student processes run, once: the local backend
 * (with its jail, unless DSGRADE_SANDBOX=off) or the Docker backend. The programs each needs
 * (dsgrade-jail, dsgrade-exec) are dsgrade's own, built here on this machine and handed over as
 * paths: the sandbox never builds anything.
 */
import path from 'node:path';
import { harnessTool } from '../go/harness-tool.js';
import type { GoToolchain } from '../core/toolchain.js';
import type { Backend, BackendKind } from '../sandbox/backend.js';
import type { DockerOptions } from '../sandbox/docker/docker-run.js';
import { createJail } from '../sandbox/jail.js';
import { jailConfigFromEnv, type JailConfig } from '../sandbox/jail-config.js';
import { LocalBackend } from '../sandbox/local-backend.js';

export interface BackendChoice {
  kind?: BackendKind;
  /** This machine's Go and dsgrade's cache. */
  toolchain: GoToolchain;
  cacheDir: string;
  /** The local jail's settings (the CLI passes them; default: from DSGRADE_SANDBOX*). */
  jail?: JailConfig;
  docker?: DockerOptions;
  /** The project folder: a warning when run uids could read it. */
  projectDir: string;
  artifactsDir?: string;
}

export interface OpenedBackend {
  backend: Backend;
  /** Removes what the backend created (every container of a Docker run); idempotent. */
  close(): Promise<void>;
}

export async function openBackend(choice: BackendChoice): Promise<OpenedBackend> {
  const { toolchain, cacheDir } = choice;
  if (choice.kind === 'docker') {
    const { openDockerRun } = await import('../sandbox/docker/docker-run.js');
    const run = await openDockerRun({
      ...choice.docker,
      hostGo: toolchain,
      helper: () => harnessTool('dsgrade-exec', toolchain, cacheDir),
      cacheDir,
      ...(choice.artifactsDir ? { artifactsDir: path.resolve(choice.artifactsDir) } : {}),
    });
    return { backend: run.backend, close: run.close };
  }
  const jail = await createJail(choice.jail ?? jailConfigFromEnv(), () => harnessTool('dsgrade-jail', toolchain, cacheDir));
  const exposed = await jail?.readableByOthers(choice.projectDir);
  const backend = new LocalBackend({ toolchain, cacheDir, ...(jail ? { jail } : {}), warnings: exposed ? [exposed] : [] });
  return { backend, close: () => backend.close() };
}
