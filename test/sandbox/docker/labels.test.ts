import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { cleanupRun, removeResources } from '../../../src/sandbox/docker/cleanup.js';
import type { ContainerRuntime, Labels, ListedResource } from '../../../src/sandbox/docker/container-runtime.js';
import { MANAGED_LABEL, newRunId, ownerIsGone, RUN_LABEL, runLabels } from '../../../src/sandbox/docker/labels.js';

/** A runtime that only lists and removes, in memory. */
function fakeRuntime(resources: ListedResource[]): ContainerRuntime & { removed: string[] } {
  const removed: string[] = [];
  const matches = (r: ListedResource, labels: Labels): boolean => Object.entries(labels).every(([k, v]) => r.labels[k] === v);
  return {
    removed,
    list: async (labels: Labels) => resources.filter((r) => matches(r, labels) && !removed.includes(r.id)),
    remove: async (r: ListedResource) => {
      removed.push(r.id);
    },
  } as unknown as ContainerRuntime & { removed: string[] };
}

describe('labels', () => {
  it('mark everything as managed, with the run id and the owning process', () => {
    const id = newRunId();
    const l = runLabels(id, 'sandbox');
    expect(l[MANAGED_LABEL]).toBe('true');
    expect(l[RUN_LABEL]).toBe(id);
    expect(l['dsgrade.owner']).toBe(`${os.hostname()}:${process.pid}`);
    expect(newRunId()).not.toBe(id);
  });

  it('an owner on this machine that no longer exists is gone; a live one or another machine is not', () => {
    expect(ownerIsGone(`${os.hostname()}:${process.pid}`)).toBe(false);
    expect(ownerIsGone(`${os.hostname()}:2147483646`)).toBe(true);
    expect(ownerIsGone('some-other-host:1')).toBe(false);
    expect(ownerIsGone(undefined)).toBe(false);
  });
});

describe('cleanup', () => {
  const res = (kind: ListedResource['kind'], id: string, run: string): ListedResource => ({ kind, id, name: id, labels: { [MANAGED_LABEL]: 'true', [RUN_LABEL]: run } });

  it('removes only the run asked for, containers before networks and volumes', async () => {
    const rt = fakeRuntime([res('volume', 'v1', 'a'), res('network', 'n1', 'a'), res('container', 'c1', 'a'), res('container', 'c2', 'b')]);
    expect(await cleanupRun(rt, 'a')).toBe(3);
    expect(rt.removed).toEqual(['c1', 'n1', 'v1']);
  });

  it('reports what could not be removed and goes on with the rest', async () => {
    const rt = fakeRuntime([]);
    rt.remove = async (r) => {
      if (r.id === 'bad') throw new Error('engine says no');
    };
    const { removed, failed } = await removeResources(rt, [res('container', 'bad', 'a'), res('container', 'ok', 'a')]);
    expect(removed.map((r) => r.id)).toEqual(['ok']);
    expect(failed).toEqual([{ resource: expect.objectContaining({ id: 'bad' }), error: 'engine says no' }]);
  });
});
