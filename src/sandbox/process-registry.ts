/**
 * Every process group dsgrade starts is registered here until it is reaped, so that an interrupt
 * (SIGINT/SIGTERM) or a harness error can kill all of them: nothing is ever left behind.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { debug } from '../util/debug.js';

const live = new Set<number>();

export function registerGroup(pgid: number): void {
  live.add(pgid);
}

export function unregisterGroup(pgid: number): void {
  live.delete(pgid);
}

/** Sends SIGKILL to a whole process group; a group that is already gone is fine. */
export function killGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group has no members left.
  }
}

export function killAllGroups(): number {
  const n = live.size;
  for (const pgid of live) killGroup(pgid);
  live.clear();
  killAllUids();
  return n;
}

export function liveGroupCount(): number {
  return live.size;
}

/**
 * Run uids leased by the sandbox (src/sandbox/jail.ts). A process that starts a new session
 * escapes its group but not its uid: killing by uid finds it in /proc.
 */
const liveUids = new Set<number>();

export function registerUid(uid: number): void {
  liveUids.add(uid);
}

export function unregisterUid(uid: number): void {
  liveUids.delete(uid);
}

/**
 * Pids whose real, effective or saved uid is `uid`, read from /proc/<pid>/status (the owner of
 * /proc/<pid> is not enough: a process can make itself non-dumpable and /proc shows it as root's).
 * Zombies are left out unless asked for: they are dead, only their parent can remove them.
 */
export function pidsOfUid(uid: number, opts: { zombies?: boolean } = {}): number[] {
  const out: number[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let status: string;
    try {
      status = readFileSync(`/proc/${name}/status`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const uids = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status);
    if (!uids || !uids.slice(1, 4).some((u) => Number(u) === uid)) continue;
    const state = /^State:\s+(\S)/m.exec(status)?.[1];
    if (!opts.zombies && (state === 'Z' || state === 'X')) continue;
    out.push(Number(name));
  }
  return out;
}

/**
 * SIGKILLs every process of `uid` until none is left (a fork bomb keeps forking while we kill, but
 * RLIMIT_NPROC bounds it and a killed process forks no more). Returns how many were killed.
 */
export function killUid(uid: number): number {
  if (uid === 0 || uid === process.getuid?.()) return 0; // never ourselves
  let killed = 0;
  for (let round = 0; round < 1000; round++) {
    const pids = pidsOfUid(uid);
    if (pids.length === 0) break;
    debug('sandbox', `uid ${uid}: SIGKILL ${pids.join(' ')}`);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // Gone already.
      }
    }
  }
  return killed;
}

/** Kills every process of every leased uid (on interrupt). */
export function killAllUids(): number {
  let n = 0;
  for (const uid of liveUids) n += killUid(uid) > 0 ? 1 : 0;
  liveUids.clear();
  return n;
}
