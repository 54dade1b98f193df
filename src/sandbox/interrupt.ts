/**
 * On SIGINT/SIGTERM: kill every process group dsgrade started and remove every work folder it
 * made, synchronously, then exit. Work folders register themselves here while they exist.
 */
import { rmSync } from 'node:fs';
import { killAllGroups } from './process-registry.js';

const folders = new Set<string>();

export function registerTempDir(dir: string): () => void {
  folders.add(dir);
  return () => folders.delete(dir);
}

export function cleanupNow(): { groups: number; folders: number } {
  const groups = killAllGroups();
  const n = folders.size;
  for (const dir of folders) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: a folder we cannot remove is left for the OS temp cleaner.
    }
  }
  folders.clear();
  return { groups, folders: n };
}

/**
 * Asynchronous cleanups (Docker containers of a run) that must also run on an interrupt. They run
 * after the synchronous kills, all at once, for at most ASYNC_CLEANUP_MS; a second signal exits
 * at once.
 */
const asyncCleanups = new Set<() => Promise<void>>();
const ASYNC_CLEANUP_MS = 15_000;

export function registerAsyncCleanup(fn: () => Promise<void>): () => void {
  asyncCleanups.add(fn);
  return () => asyncCleanups.delete(fn);
}

/** Runs (and forgets) every registered asynchronous cleanup; never rejects. */
export async function runAsyncCleanups(timeoutMs = ASYNC_CLEANUP_MS): Promise<number> {
  const fns = [...asyncCleanups];
  asyncCleanups.clear();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled(fns.map((f) => f())), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
  clearTimeout(timer);
  return fns.length;
}

let installed = false;
let stopping = false;

/** Installs the handlers once; `onInterrupt` may print, then the process exits 130 (SIGINT) or 143. */
export function installInterruptHandlers(onInterrupt: (signal: NodeJS.Signals, cleaned: { groups: number; folders: number }) => void): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      const code = signal === 'SIGINT' ? 130 : 143;
      if (stopping) process.exit(code); // a second signal: stop waiting for the cleanups
      stopping = true;
      const cleaned = cleanupNow();
      onInterrupt(signal, cleaned);
      if (asyncCleanups.size === 0) process.exit(code);
      void runAsyncCleanups().finally(() => process.exit(code));
    });
  }
}
