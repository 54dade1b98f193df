/**
 * Every process group dsgrade starts is registered here until it is reaped, so that an interrupt
 * (SIGINT/SIGTERM) or a harness error can kill all of them: nothing is ever left behind.
 */
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
  return n;
}

export function liveGroupCount(): number {
  return live.size;
}
