/**
 * On SIGINT/SIGTERM: kill every process group dsgrade started and remove every work folder it
 * made, synchronously, finish what must be finished (interrupt hooks, Docker removals), then let
 * the CLI exit. Work folders register themselves here while they exist.
 */
import { rmSync } from 'node:fs';
import { killAllGroups } from './process-registry.js';

const folders = new Set<string>();

export function registerTempDir(dir: string): () => void {
  folders.add(dir);
  return () => folders.delete(dir);
}

/** Folders removed by cleanupNow: removed once more just before an interrupted dsgrade exits. */
const removed = new Set<string>();

export function cleanupNow(): { groups: number; folders: number } {
  const groups = killAllGroups();
  const n = folders.size;
  for (const dir of folders) {
    removeFolder(dir);
    removed.add(dir);
  }
  folders.clear();
  return { groups, folders: n };
}

function removeFolder(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // Best effort: a folder we cannot remove is left for the OS temp cleaner.
  }
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

/**
 * Work that must still happen after the kills and before dsgrade exits (`dsgrade gradescope` writes
 * its partial results.json). Started in the same tick as the kills, so no process result arrives
 * in between; awaited (at most INTERRUPT_HOOK_MS) before the asynchronous cleanups.
 */
const interruptHooks = new Set<(signal: NodeJS.Signals) => Promise<void>>();
const INTERRUPT_HOOK_MS = 10_000;

export function registerInterruptHook(fn: (signal: NodeJS.Signals) => Promise<void>): () => void {
  interruptHooks.add(fn);
  return () => interruptHooks.delete(fn);
}

export interface InterruptHandlers {
  /** Called once the process groups are dead and the work folders gone (may print). */
  onInterrupt(signal: NodeJS.Signals, cleaned: { groups: number; folders: number }): void;
  /** Ends the process with this code (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP): only src/cli decides to exit. */
  exit(code: number): void;
}

export const INTERRUPT_EXIT: Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

let installed = false;
let stopping = false;

/**
 * Installs the handlers once. On the first signal: kill every group and uid, remove the work
 * folders, tell `onInterrupt`, run the interrupt hooks and the asynchronous cleanups (each bounded
 * in time), then `exit`. A second signal exits at once.
 */
export function installInterruptHandlers(handlers: InterruptHandlers): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      const code = INTERRUPT_EXIT[signal];
      if (stopping) return handlers.exit(code); // a second signal: stop waiting for the cleanups
      stopping = true;
      const cleaned = cleanupNow();
      const hooks = [...interruptHooks].map((h) => h(signal).catch(() => undefined));
      handlers.onInterrupt(signal, cleaned);
      void finishInterrupt(hooks).finally(() => handlers.exit(code));
    });
  }
}

async function finishInterrupt(hooks: Promise<void>[]): Promise<void> {
  if (hooks.length > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(hooks), new Promise((r) => (timer = setTimeout(r, INTERRUPT_HOOK_MS)))]);
    clearTimeout(timer);
  }
  if (asyncCleanups.size > 0) await runAsyncCleanups();
  // Work that was in flight when the signal came (an attempt creating its scratch folder) may
  // have recreated part of a removed work folder meanwhile.
  for (const dir of removed) removeFolder(dir);
}
