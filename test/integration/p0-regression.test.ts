/**
 * P0 proves its own tests within CI's time budget: the reference in full (full marks) and, for
 * each mutant, the tests meant to catch it (`regress --quick`), through the real toolchain. The
 * full regression — every mutant graded in full against its expected score — is
 * `dsgrade regress projects/p0-kvserver` (about 6 minutes here); see the README's Development section.
 */
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/load.js';
import { regress } from '../../src/regress/regress.js';
import { liveGroupCount } from '../../src/sandbox/process-registry.js';

describe('P0 regression (quick)', () => {
  it('reference full marks; every mutant caught by its catchers', async () => {
    const project = await loadManifest('projects/p0-kvserver');
    expect(project.manifest.mutants.length).toBeGreaterThanOrEqual(6);
    const rows = await regress({ project, seed: 20261126, quick: true });
    const report = rows.map((r) => `${r.name}: expected ${r.expected}, got ${r.got}${r.ok ? '' : ` — ${r.notable.map((n) => `${n.id}: ${n.summary}`).join('; ')}`}`);
    expect(rows.filter((r) => !r.ok), report.join('\n')).toEqual([]);
    expect(rows[0]).toMatchObject({ kind: 'reference', got: rows[0]!.max });
    expect(rows.length).toBe(1 + project.manifest.mutants.length);
    expect(rows.slice(1).every((r) => r.quick)).toBe(true);
    expect(liveGroupCount()).toBe(0);
  });
});
