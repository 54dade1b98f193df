/**
 * The P0 project proves its own tests: the reference gets full marks and every mutant exactly its
 * expected score (`dsgrade regress projects/p0-kvserver`), through the real toolchain.
 */
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/load.js';
import { regress } from '../../src/regress/regress.js';
import { liveGroupCount } from '../../src/sandbox/process-registry.js';

describe('P0 regression', () => {
  it('reference full marks, each mutant its expected score', async () => {
    const project = await loadManifest('projects/p0-kvserver');
    const rows = await regress({ project, seed: 20261126 });
    const report = rows.map((r) => `${r.name}: expected ${r.expected}, got ${r.got}${r.ok ? '' : ` — ${r.notable.map((n) => `${n.id}: ${n.summary}`).join('; ')}`}`);
    expect(rows.filter((r) => !r.ok), report.join('\n')).toEqual([]);
    expect(rows[0]).toMatchObject({ kind: 'reference', got: rows[0]!.max });
    expect(rows.length).toBe(1 + project.manifest.mutants.length);
    expect(project.manifest.mutants.length).toBeGreaterThanOrEqual(6);
    expect(liveGroupCount()).toBe(0);
  });
});
