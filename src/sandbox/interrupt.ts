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

let installed = false;

/** Installs the handlers once; `onInterrupt` may print, then the process exits 130 (SIGINT) or 143. */
export function installInterruptHandlers(onInterrupt: (signal: NodeJS.Signals, cleaned: { groups: number; folders: number }) => void): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      const cleaned = cleanupNow();
      onInterrupt(signal, cleaned);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}
