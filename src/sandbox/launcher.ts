/**
 * How untrusted processes are launched. Student builds and student code go through
 * harness/cmd/dsgrade-jail, which sets resource limits, drops to an unprivileged uid, forbids new
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
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GoToolchain } from '../build/go-env.js';
import { DsgradeError } from '../errors.js';
import { debug } from '../util/debug.js';
import { killUid, pidsOfUid, registerUid, unregisterUid } from './process-registry.js';

export type SandboxMode = 'off' | 'rlimits' | 'uid';

export interface SandboxLimits {
  /** RLIMIT_NPROC of a run uid: its processes and threads together (uid mode only). */
  nproc: number;
  /** RLIMIT_AS of a run process (not applied to -race binaries, whose shadow memory needs terabytes of address space). */
  memoryBytes: number;
  /** RLIMIT_FSIZE: the largest file a run process may write. */
  fileBytes: number;
  /** RLIMIT_NOFILE: open files and sockets (bounds port squatting). */
  nofile: number;
}

export interface SandboxConfig {
  /** `auto`: `uid` when running as root, else `rlimits`. */
  mode: SandboxMode | 'auto';
  /** The builder's uid/gid; run uids are the next `slots` numbers (gid = uid). */
  baseUid: number;
  baseGid: number;
  slots: number;
  limits: SandboxLimits;
  /** GOCACHE/GOPATH of sandboxed builds: owned by the builder uid, outside any private home. */
  buildCacheDir: string;
}

export const DEFAULT_BASE_UID = 61000;

const DEFAULT_LIMITS: SandboxLimits = {
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
export function sandboxConfigFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: { user?: string } = {}): SandboxConfig {
  const mode = (env.DSGRADE_SANDBOX ?? 'auto').toLowerCase();
  if (!['auto', 'off', 'rlimits', 'uid'].includes(mode)) {
    throw new DsgradeError('USAGE', `invalid DSGRADE_SANDBOX: ${env.DSGRADE_SANDBOX}`, { fix: 'use auto, uid, rlimits or off' });
  }
  const user = overrides.user ?? env.DSGRADE_SANDBOX_USER;
  const { uid, gid } = user ? resolveUser(user) : { uid: DEFAULT_BASE_UID, gid: DEFAULT_BASE_UID };
  const num = (v: string | undefined, d: number): number => (v && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : d);
  return {
    mode: mode as SandboxConfig['mode'],
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

/** A run uid leased for one test attempt or one scenario. */
export interface SandboxLease {
  uid: number;
  gid: number;
}

/** What a sandboxed process needs, given by the caller of runProcess/spawnNode. */
export interface SandboxRequest {
  sandbox: Sandbox;
  /** `build`: the go command as the builder uid. `run`: student code as a run uid. */
  role: 'build' | 'run';
  /** A lease the caller holds for several processes (a scenario); default: one for this process. */
  lease?: SandboxLease;
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

/**
 * The run uids of one base uid, shared by every grading run in this process (`dsgrade batch`
 * grades several submissions at once) and locked against other dsgrade processes on the machine
 * by a lock file per uid holding the owner's pid.
 */
class UidPool {
  private readonly free: number[] = [];
  private readonly waiting: ((uid: number) => void)[] = [];
  private next: number;
  /** Every uid handed out so far (tests check that none of them has processes left). */
  readonly used = new Set<number>();

  constructor(
    private readonly base: number,
    slots: number,
    private readonly lockDir: string,
  ) {
    for (let i = 1; i <= slots; i++) this.free.push(base + i);
    this.next = base + slots + 1;
  }

  async acquire(): Promise<number> {
    for (;;) {
      const uid = this.free.shift() ?? (this.used.size >= MAX_EXTRA_UIDS ? await new Promise<number>((resolve) => this.waiting.push(resolve)) : this.next++);
      if (await this.lock(uid)) {
        this.used.add(uid);
        return uid;
      }
      // Another dsgrade process holds it: leave it to that process and take a fresh uid.
    }
  }

  async release(uid: number, retire: boolean): Promise<void> {
    await fs.rm(path.join(this.lockDir, String(uid)), { force: true });
    const give = retire ? this.next++ : uid;
    const waiter = this.waiting.shift();
    if (waiter) waiter(give);
    else this.free.push(give);
  }

  private async lock(uid: number): Promise<boolean> {
    await fs.mkdir(this.lockDir, { recursive: true, mode: 0o700 });
    const file = path.join(this.lockDir, String(uid));
    for (let i = 0; i < 2; i++) {
      try {
        await fs.writeFile(file, String(process.pid), { flag: 'wx' });
        return true;
      } catch {
        const owner = Number(await fs.readFile(file, 'utf8').catch(() => ''));
        if (owner && owner !== process.pid && isAlive(owner)) return false;
        await fs.rm(file, { force: true }); // a crashed dsgrade's lock
      }
    }
    return false;
  }
}

const MAX_EXTRA_UIDS = 256;
const pools = new Map<number, UidPool>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Sandbox {
  readonly warnings: string[] = [];
  private readonly pool: UidPool;

  constructor(
    readonly mode: Exclude<SandboxMode, 'off'>,
    readonly jail: string,
    readonly config: SandboxConfig,
    readonly netnsAvailable: boolean,
  ) {
    let pool = pools.get(config.baseUid);
    if (!pool) {
      pool = new UidPool(config.baseUid, config.slots, path.join(os.tmpdir(), 'dsgrade-sandbox-locks'));
      pools.set(config.baseUid, pool);
    }
    this.pool = pool;
  }

  get builder(): SandboxLease | undefined {
    return this.mode === 'uid' ? { uid: this.config.baseUid, gid: this.config.baseGid } : undefined;
  }

  /** Every run uid handed out so far in this process (tests check that none has processes left). */
  get runUids(): number[] {
    return [...this.pool.used];
  }

  /** A free run uid (waits for one); undefined outside uid mode. */
  async lease(): Promise<SandboxLease | undefined> {
    if (this.mode !== 'uid') return undefined;
    const uid = await this.pool.acquire();
    debug('sandbox', `lease uid ${uid}`);
    registerUid(uid);
    // Leftovers of an earlier run under this uid (a crashed grader) die before anything starts.
    killUid(uid);
    return { uid, gid: uid };
  }

  /** Kills every process of the uid, removes its files in the shared temporary folders, frees the slot. */
  async release(lease: SandboxLease | undefined): Promise<void> {
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
  async withLease<T>(fn: (lease: SandboxLease | undefined) => Promise<T>): Promise<T> {
    const lease = await this.lease();
    try {
      return await fn(lease);
    } finally {
      await this.release(lease);
    }
  }

  /** The jail command line for one process. */
  async launch(req: SandboxRequest, spec: SpecLike): Promise<Launch> {
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
    } else {
      if (who) args.push('-nproc', '4096');
      args.push('-fsize', String(4 * 1024 ** 3), '-oom-score-adj', '500');
    }
    args.push('--', spec.file, ...spec.args);
    return {
      file: this.jail,
      args,
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
 * The sandbox for a grading run: resolves the mode, builds dsgrade-jail (once per content hash)
 * and probes what the machine allows. `undefined` when the sandbox is off.
 */
export async function createSandbox(opts: { toolchain: GoToolchain; cacheDir: string; config?: SandboxConfig }): Promise<Sandbox | undefined> {
  const config = opts.config ?? sandboxConfigFromEnv();
  const root = process.getuid?.() === 0;
  let mode: SandboxMode = config.mode === 'auto' ? (root ? 'uid' : 'rlimits') : config.mode;
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
  const { harnessTool } = await import('../build/harness-tool.js');
  const jail = await harnessTool('dsgrade-jail', opts.toolchain, opts.cacheDir);
  let netns = false;
  try {
    const { stdout } = await execa(jail, ['-probe'], { timeout: 10_000 });
    netns = (JSON.parse(stdout) as { netns?: boolean }).netns === true;
  } catch {
    netns = false;
  }
  const sandbox = new Sandbox(mode, jail, config, netns);
  sandbox.warnings.push(...warnings);
  if (mode === 'uid') await sandbox.buildCache();
  return sandbox;
}

/**
 * The parent of every work folder. As root: `<tmp>/dsgrade-runs`, root's, mode 0711, so a run uid
 * listing /tmp sees that one name and cannot list it — no run sees another run's work folder names
 * (Gradescope gives no mount namespace for a private /tmp; see docs/security.md). Anything else in
 * its place (a run uid's folder or link created first, in world-writable /tmp) is removed. Not
 * root: the temporary folder itself (student code runs as you and could list anything anyway).
 */
export async function workFolderParent(tmp: string = os.tmpdir()): Promise<string> {
  if (process.getuid?.() !== 0) return tmp;
  const dir = path.join(tmp, 'dsgrade-runs');
  for (let attempt = 0; ; attempt++) {
    const st = await fs.lstat(dir).catch(() => undefined);
    if (st?.isDirectory() && st.uid === 0) {
      if ((st.mode & 0o7777) !== 0o711) await fs.chmod(dir, 0o711);
      return dir;
    }
    if (st) await fs.rm(dir, { recursive: true, force: true });
    try {
      await fs.mkdir(dir, { mode: 0o711 });
    } catch (err) {
      // Someone else created it between the two calls: look again (a few times, then give up loudly).
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
    }
  }
}

/** Copies a package folder without its Go sources: where test binaries run, so staff test sources are not beside them. */
export async function makeRunDir(pkgDir: string, runDir: string): Promise<string> {
  await fs.rm(runDir, { recursive: true, force: true });
  await fs.mkdir(runDir, { recursive: true });
  await fs.cp(pkgDir, runDir, {
    recursive: true,
    filter: async (source) => {
      const st = await fs.lstat(source);
      if (st.isSymbolicLink()) return false;
      return st.isDirectory() || !source.endsWith('.go');
    },
  });
  return runDir;
}

/**
 * As root: the binary becomes root's, mode 0711 — run uids (and the Docker sandbox's user) may
 * execute it but not read it, so a test cannot copy its own binary or another one and print the
 * staff tests' strings, and the builder cannot make it readable again. execve needs no read
 * permission (the kernel maps the file; for -race binaries ld.so gets it from the kernel too).
 * Not root: nothing to do (student code runs as the owner, who may read).
 */
export async function sealExecutable(file: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  await fs.chown(file, 0, 0);
  await fs.chmod(file, 0o711);
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await fs.lchown(dir, uid, gid);
  const entries = await fs.readdir(dir, { withFileTypes: true });
  await Promise.all(
    entries.map(async (e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await chownTree(p, uid, gid);
      else await fs.lchown(p, uid, gid);
    }),
  );
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
