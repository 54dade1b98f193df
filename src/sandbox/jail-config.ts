/**
 * The jail's settings (docs/security.md): its mode, the uid range (builder, then one run uid per
 * slot) and the resource limits of a run process. Read from DSGRADE_SANDBOX* by the CLI, which
 * passes the result down as a value (`--sandbox-user` overrides the base uid); programmatic
 * callers that pass none (tests, benchmarks, batch) get the environment's (backend-choice.ts).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DsgradeError } from '../errors.js';

export type JailMode = 'off' | 'rlimits' | 'uid';

export interface JailLimits {
  /** RLIMIT_NPROC of a run uid: its processes and threads together (uid mode only). */
  nproc: number;
  /** RLIMIT_AS of a run process (not applied to -race binaries, whose shadow memory needs terabytes of address space). */
  memoryBytes: number;
  /** RLIMIT_FSIZE: the largest file a run process may write. */
  fileBytes: number;
  /** RLIMIT_NOFILE: open files and sockets (bounds port squatting). */
  nofile: number;
}

export interface JailConfig {
  /** `auto`: `uid` when running as root, else `rlimits`. */
  mode: JailMode | 'auto';
  /** The builder's uid/gid; run uids are the next `slots` numbers (gid = uid). */
  baseUid: number;
  baseGid: number;
  slots: number;
  limits: JailLimits;
  /** GOCACHE/GOPATH of sandboxed builds: owned by the builder uid, outside any private home. */
  buildCacheDir: string;
}

export const DEFAULT_BASE_UID = 61000;

const DEFAULT_LIMITS: JailLimits = {
  nproc: 512,
  memoryBytes: defaultMemoryBytes(),
  fileBytes: 256 * 1024 ** 2,
  nofile: 1024,
};

/**
 * 2 GiB, or 3/4 of the memory this machine or container has (Gradescope's default is 768 MB) when
 * that is less: a process that hits its own limit fails with "out of memory" instead of bringing
 * the kernel's OOM killer into the container.
 */
function defaultMemoryBytes(): number {
  let limit = os.totalmem();
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const n = Number(readFileSync(file, 'utf8').trim());
      if (Number.isFinite(n) && n > 0) limit = Math.min(limit, n);
    } catch {
      // Not in a cgroup with a memory limit.
    }
  }
  return Math.min(2 * 1024 ** 3, Math.floor((limit * 3) / 4));
}

/** Reads DSGRADE_SANDBOX, DSGRADE_SANDBOX_USER, DSGRADE_SANDBOX_SLOTS, DSGRADE_SANDBOX_MEMORY_MB, DSGRADE_SANDBOX_NPROC. */
export function jailConfigFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: { user?: string } = {}): JailConfig {
  const mode = (env.DSGRADE_SANDBOX ?? 'auto').toLowerCase();
  if (!['auto', 'off', 'rlimits', 'uid'].includes(mode)) {
    throw new DsgradeError('USAGE', `invalid DSGRADE_SANDBOX: ${env.DSGRADE_SANDBOX}`, { fix: 'use auto, uid, rlimits or off' });
  }
  const user = overrides.user ?? env.DSGRADE_SANDBOX_USER;
  const { uid, gid } = user ? resolveUser(user) : { uid: DEFAULT_BASE_UID, gid: DEFAULT_BASE_UID };
  const num = (v: string | undefined, d: number): number => (v && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : d);
  return {
    mode: mode as JailConfig['mode'],
    baseUid: uid,
    baseGid: gid,
    slots: num(env.DSGRADE_SANDBOX_SLOTS, 8),
    limits: {
      ...DEFAULT_LIMITS,
      nproc: num(env.DSGRADE_SANDBOX_NPROC, DEFAULT_LIMITS.nproc),
      memoryBytes: num(env.DSGRADE_SANDBOX_MEMORY_MB, DEFAULT_LIMITS.memoryBytes / 1024 ** 2) * 1024 ** 2,
    },
    buildCacheDir: env.DSGRADE_SANDBOX_CACHE_DIR ? path.resolve(env.DSGRADE_SANDBOX_CACHE_DIR) : path.join(os.tmpdir(), `dsgrade-sandbox-cache-${uid}`),
  };
}

/** A user name (looked up in /etc/passwd) or a numeric uid (gid = uid). */
export function resolveUser(user: string): { uid: number; gid: number } {
  if (/^\d+$/.test(user)) return { uid: Number(user), gid: Number(user) };
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // No passwd file: only numeric uids work.
  }
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === user && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  throw new DsgradeError('USAGE', `sandbox user not found: ${user}`, {
    fix: 'create it (setup.sh does: useradd -M -u 61000 dsgrade) or give a numeric uid, e.g. --sandbox-user 61000',
  });
}
