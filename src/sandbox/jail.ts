/**
 * The jail: how the local backend launches untrusted processes. Student builds and student code
 * go through harness/cmd/dsgrade-jail, which sets resource limits, drops to an unprivileged uid, forbids new
 * privileges and execs the program with exactly the environment it was given.
 *
 * Three modes (docs/security.md):
 * - `uid` (default when dsgrade runs as root, as on Gradescope): builds run as the builder uid;
 *   each test attempt or scenario leases its own run uid from a pool ("one uid per job slot"), and
 *   when it ends every process of that uid — setsid daemons included — is found in /proc and
 *   killed, and its files in /tmp are removed. Work folders are arranged so a run uid can read only
 *   the test binary and a run folder without Go sources (see `prepareWorkDir`).
 * - `rlimits` (default when not root): the same limits, but as the caller's own user; there is no
 *   uid to clean up by, so a process that leaves its process group can survive. A warning says so.
 * - `off` (`DSGRADE_SANDBOX=off`): processes start directly, as before.
 */
import { execa } from 'execa';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { debug } from '../util/debug.js';
import type { JailConfig, JailMode } from './jail-config.js';
import { REPORT_FD } from './jail-report.js';
import { killUid, pidsOfUid, registerUid, unregisterUid } from './process-registry.js';
import { UidPool } from './uid-pool.js';
import { chownTree } from './work-folders.js';

export type { JailConfig, JailMode };
export { DEFAULT_BASE_UID, jailConfigFromEnv } from './jail-config.js';

/** A run uid leased for one test attempt or one scenario. */
export interface JailLease {
  uid: number;
  gid: number;
}

/** How one process is to be jailed, given by the caller of runProcess/spawnNode/runBuild. */
export interface JailRequest {
  /** `build`: the go command as the builder uid. `run`: student code as a run uid. */
  role: 'build' | 'run';
  /** A lease the caller holds for several processes (a scenario); default: one for this process. */
  lease?: JailLease;
  /** Folders the process must be able to write (created, then given to its uid). */
  writableDirs?: string[];
  /** A -race binary: no address-space limit. Default: guessed from the file name (`*.race`, `*.race.test`). */
  race?: boolean;
  /** A single-process test that needs only loopback: its own network namespace where the machine allows it. */
  isolateNetwork?: boolean;
}

export interface Launch {
  file: string;
  args: string[];
  /**
   * The descriptor the supervising jail reports on (jail-report.ts): set for student code (role
   * `run`), whose process tree is measured; the caller opens a pipe there. The program itself is
   * then the jail's child, in its own session: signals go to its group, whose pid the report names.
   */
  reportFd?: number;
  /** The leased uid, when this process has its own. */
  uid?: number;
  /** Kills every process of this launch's own uid (when it has one); synchronous, for exit handlers. */
  killAll(): void;
  /** Kills what is left, cleans the uid's temporary files and returns the lease. */
  finish(): Promise<void>;
}

interface SpecLike {
  file: string;
  args: string[];
  timeoutMs?: number;
}

/** Exit status of dsgrade-jail when it could not start the program. */
export const JAIL_FAILED = 125;

const pools = new Map<number, UidPool>();

export class Jail {
  readonly warnings: string[] = [];
  private readonly pool: UidPool;

  constructor(
    readonly mode: Exclude<JailMode, 'off'>,
    readonly binary: string,
    readonly config: JailConfig,
    readonly netnsAvailable: boolean,
  ) {
    let pool = pools.get(config.baseUid);
    if (!pool) {
      pool = new UidPool(config.baseUid, config.slots, path.join(os.tmpdir(), 'dsgrade-sandbox-locks'));
      pools.set(config.baseUid, pool);
    }
    this.pool = pool;
  }

  get builder(): JailLease | undefined {
    return this.mode === 'uid' ? { uid: this.config.baseUid, gid: this.config.baseGid } : undefined;
  }

  /** Every run uid handed out so far in this process (tests check that none has processes left). */
  get runUids(): number[] {
    return [...this.pool.used];
  }

  /** A free run uid (waits for one); undefined outside uid mode. */
  async lease(): Promise<JailLease | undefined> {
    if (this.mode !== 'uid') return undefined;
    const uid = await this.pool.acquire();
    debug('sandbox', `lease uid ${uid}`);
    registerUid(uid);
    // Leftovers of an earlier run under this uid (a crashed grader) die before anything starts.
    killUid(uid);
    return { uid, gid: uid };
  }

  /** Kills every process of the uid, removes its files in the shared temporary folders, frees the slot. */
  async release(lease: JailLease | undefined): Promise<void> {
    if (!lease) return;
    debug('sandbox', `release uid ${lease.uid}`);
    killUid(lease.uid);
    await removeTempFilesOf(lease.uid);
    unregisterUid(lease.uid);
    // Zombies of the uid (reparented to an init that does not reap) still count against its
    // RLIMIT_NPROC: a slot that keeps some is retired and replaced by a fresh uid.
    await this.pool.release(lease.uid, pidsOfUid(lease.uid, { zombies: true }).length > 0);
  }

  /** Runs `fn` with a leased uid (undefined outside uid mode) and always releases it. */
  async withLease<T>(fn: (lease: JailLease | undefined) => Promise<T>): Promise<T> {
    const lease = await this.lease();
    try {
      return await fn(lease);
    } finally {
      await this.release(lease);
    }
  }

  /** The jail command line for one process. */
  async launch(req: JailRequest, spec: SpecLike): Promise<Launch> {
    const owned = req.role === 'run' && !req.lease ? await this.lease() : undefined;
    const who = req.role === 'build' ? this.builder : (req.lease ?? owned);
    for (const dir of req.writableDirs ?? []) {
      await fs.mkdir(dir, { recursive: true });
      if (who) await fs.chown(dir, who.uid, who.gid);
      // A run uid's HOME/TMPDIR is its own: other run uids (other nodes, other tests) cannot look in.
      if (who && req.role === 'run') await fs.chmod(dir, 0o700);
    }
    const args: string[] = [];
    if (who) args.push('-uid', String(who.uid), '-gid', String(who.gid));
    if (req.role === 'run') {
      const { limits } = this.config;
      const race = req.race ?? /\.race(\.test)?$/.test(spec.file);
      if (who) args.push('-nproc', String(limits.nproc));
      if (!race) args.push('-as', String(limits.memoryBytes));
      args.push('-fsize', String(limits.fileBytes), '-nofile', String(limits.nofile));
      if (spec.timeoutMs !== undefined) args.push('-cpu', String(Math.ceil(spec.timeoutMs / 1000) * Math.max(1, os.availableParallelism()) + 10));
      if (req.isolateNetwork && this.netnsAvailable) args.push('-netns');
      args.push('-report-fd', String(REPORT_FD));
    } else {
      if (who) args.push('-nproc', '4096');
      args.push('-fsize', String(4 * 1024 ** 3), '-oom-score-adj', '500');
    }
    args.push('--', spec.file, ...spec.args);
    return {
      file: this.binary,
      args,
      ...(req.role === 'run' ? { reportFd: REPORT_FD } : {}),
      ...(owned ? { uid: owned.uid } : {}),
      killAll: () => {
        if (owned) killUid(owned.uid);
      },
      finish: () => this.release(owned),
    };
  }

  /**
   * Arranges a fresh work folder for uid mode: the folder itself is traverse-only, the module tree
   * (with the staff tests' sources) belongs to the builder and is closed to run uids, and `bin/`
   * (the builder writes, run uids execute) exists. Outside uid mode it only creates `bin/`.
   */
  async prepareWorkDir(workDir: string, moduleDir: string): Promise<void> {
    const bin = path.join(workDir, 'bin');
    await fs.mkdir(bin, { recursive: true });
    const b = this.builder;
    if (!b) return;
    await fs.chmod(workDir, 0o711);
    await this.giveToBuilder(moduleDir);
    await fs.chown(bin, b.uid, b.gid);
    // Run uids execute binaries by their full path; they may not list the folder (nor read a file in it: sealExecutable).
    await fs.chmod(bin, 0o711);
  }

  /** Gives a tree to the builder uid and closes it to everyone else (variants' copies of the module). */
  async giveToBuilder(dir: string): Promise<void> {
    const b = this.builder;
    if (!b) return;
    await chownTree(dir, b.uid, b.gid);
    await fs.chmod(dir, 0o700);
  }

  /**
   * A warning when run uids could read `dir` (the project, with its staff tests and reference):
   * every folder above it lets others through and it lets others read. On Gradescope,
   * /autograder/source is closed (0700); a checkout in a home folder usually is not.
   */
  async readableByOthers(dir: string): Promise<string | undefined> {
    if (this.mode !== 'uid') return undefined;
    const abs = path.resolve(dir);
    const st = await fs.stat(abs).catch(() => undefined);
    if (!st || (st.mode & 0o005) !== 0o005) return undefined;
    for (let d = path.dirname(abs); ; d = path.dirname(d)) {
      const up = await fs.stat(d).catch(() => undefined);
      if (!up || (up.mode & 0o001) === 0) return undefined;
      if (d === path.dirname(d)) break;
    }
    return `the project folder ${abs} is readable by other users, so student code could read the staff tests and the reference there: chmod o-rwx it (or a folder above it)`;
  }

  /** GOCACHE/GOPATH for sandboxed builds: a folder the builder owns (the caller's cache may be in a private home). */
  async buildCache(): Promise<string | undefined> {
    const b = this.builder;
    if (!b) return undefined;
    const dir = this.config.buildCacheDir;
    let st = await fs.lstat(dir).catch(() => undefined);
    if (st && (!st.isDirectory() || (st.uid !== b.uid && st.uid !== 0))) {
      // Not ours (a link or someone else's folder in /tmp): never build into it.
      await fs.rm(dir, { recursive: true, force: true });
      st = undefined;
    }
    if (!st) await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    if (!st || st.uid !== b.uid) await chownTree(dir, b.uid, b.gid);
    for (const sub of ['go-build', 'gopath']) {
      const p = path.join(dir, sub);
      const sst = await fs.lstat(p).catch(() => undefined);
      if (!sst) await fs.mkdir(p);
      if (!sst || sst.uid !== b.uid) await chownTree(p, b.uid, b.gid);
    }
    return dir;
  }
}

/**
 * The jail for a grading run: resolves the mode from `config`, probes what the machine allows and
 * starts processes through `binary()` (the path of harness/cmd/dsgrade-jail, built by the caller,
 * asked for only when the jail is on). `undefined` when the jail is off.
 */
export async function createJail(config: JailConfig, binary: () => Promise<string>): Promise<Jail | undefined> {
  const root = process.getuid?.() === 0;
  let mode: JailMode = config.mode === 'auto' ? (root ? 'uid' : 'rlimits') : config.mode;
  const warnings: string[] = [];
  if (mode === 'off') return undefined;
  if (mode === 'uid' && !root) {
    warnings.push('the sandbox cannot switch users because dsgrade is not running as root: student code runs as your own user, with resource limits only (see docs/security.md)');
    mode = 'rlimits';
  } else if (mode === 'rlimits' && config.mode === 'auto') {
    warnings.push(
      'not running as root: student code runs as your own user with resource limits only — it can read your files, and a process that leaves its session can outlive the test. Grade untrusted code as root (as on Gradescope) or with the Docker backend (see docs/security.md)',
    );
  }
  const file = await binary();
  let netns = false;
  try {
    const { stdout } = await execa(file, ['-probe'], { timeout: 10_000 });
    netns = (JSON.parse(stdout) as { netns?: boolean }).netns === true;
  } catch {
    netns = false;
  }
  const jail = new Jail(mode, file, config, netns);
  jail.warnings.push(...warnings);
  if (mode === 'uid') await jail.buildCache();
  return jail;
}

const SHARED_TEMP = ['/tmp', '/var/tmp', '/dev/shm'];

/** Removes what a run uid left in the shared temporary folders (top level: that is where it can create things). */
async function removeTempFilesOf(uid: number): Promise<void> {
  for (const dir of SHARED_TEMP) {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const p = path.join(dir, name);
      const st = await fs.lstat(p).catch(() => undefined);
      if (st?.uid === uid) await fs.rm(p, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}
