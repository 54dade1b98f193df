/**
 * Who processes run as inside dsgrade's containers, and making host folders theirs: the caller's
 * own uid (files stay theirs), or SANDBOX_UID when dsgrade runs as root.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import type { ResourceLimits } from './container-runtime.js';

/** The uid:gid processes run as inside containers when dsgrade runs as root. */
export const SANDBOX_UID = 10001;

export interface ContainerUser {
  uid: number;
  gid: number;
}

export function containerUser(): ContainerUser {
  const uid = process.getuid?.() ?? SANDBOX_UID;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? uid };
  return { uid: SANDBOX_UID, gid: SANDBOX_UID };
}

export function defaultLimits(env: NodeJS.ProcessEnv = process.env): ResourceLimits {
  const num = (v: string | undefined, d: number): number => (v && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : d);
  return {
    cpus: num(env.DSGRADE_DOCKER_CPUS, os.availableParallelism()),
    memoryBytes: num(env.DSGRADE_DOCKER_MEMORY_MB, Math.min(4096, Math.floor(os.totalmem() / 2 / 1024 ** 2))) * 1024 ** 2,
    pids: num(env.DSGRADE_DOCKER_PIDS, 1024),
  };
}

/** /tmp inside a container: a tmpfs the container user owns. */
export const tmpfsFor = (u: ContainerUser): string => `rw,nosuid,nodev,size=512m,mode=1777,uid=${u.uid},gid=${u.gid}`;

const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * Makes `dir` exist and, when dsgrade is root, belong to the container user. lchown: a link put
 * at `dir` by a process still running in the container (the folders are inside its writable
 * scratch) changes owner itself, never the host folder it points at.
 */
export async function makeWritable(user: ContainerUser, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  if (isRoot()) await fs.lchown(dir, user.uid, user.gid);
}

/** Folders on the way to `dir` must be passable by the container user (mkdtemp makes them 0700). */
export async function makePassable(dir: string): Promise<void> {
  if (!isRoot()) return;
  const st = await fs.stat(dir);
  if ((st.mode & 0o011) !== 0o011) await fs.chmod(dir, (st.mode & 0o7777) | 0o011);
}
