/**
 * Removing what dsgrade created in Docker: by run id at the end of a run (also on error and on
 * SIGINT/SIGTERM, through the interrupt handler), or everything labelled `dsgrade.managed=true`
 * (`dsgrade clean`). Removal is forced: a running container is killed first.
 */
import type { ContainerRuntime, ListedResource } from './container-runtime.js';
import { managedFilter, runFilter } from './labels.js';

/** Containers first (they hold networks and volumes), then networks, then volumes. */
const ORDER: Record<ListedResource['kind'], number> = { container: 0, network: 1, volume: 2 };

export async function removeResources(runtime: ContainerRuntime, resources: ListedResource[]): Promise<{ removed: ListedResource[]; failed: { resource: ListedResource; error: string }[] }> {
  const removed: ListedResource[] = [];
  const failed: { resource: ListedResource; error: string }[] = [];
  const sorted = [...resources].sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
  for (const kind of ['container', 'network', 'volume'] as const) {
    await Promise.all(
      sorted
        .filter((r) => r.kind === kind)
        .map(async (r) => {
          try {
            await runtime.remove(r);
            removed.push(r);
          } catch (err) {
            failed.push({ resource: r, error: (err as Error).message });
          }
        }),
    );
  }
  return { removed, failed };
}

/** Removes every resource of one run. */
export async function cleanupRun(runtime: ContainerRuntime, runId: string): Promise<number> {
  const { removed } = await removeResources(runtime, await runtime.list(runFilter(runId)));
  return removed.length;
}

/** Everything dsgrade ever left behind (all runs), or only what `keep` does not protect. */
export async function listLeftovers(runtime: ContainerRuntime, exceptRun?: string): Promise<ListedResource[]> {
  const all = await runtime.list(managedFilter());
  return exceptRun ? all.filter((r) => r.labels['dsgrade.run'] !== exceptRun) : all;
}
