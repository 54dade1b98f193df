/**
 * P0 proves its own tests within CI's time budget: both references in full (full marks each) and, for
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
    const references = rows.filter((r) => r.kind === 'reference');
    expect(references.map((r) => r.name)).toEqual(['reference:main', 'reference:outbox']);
    for (const r of references) expect(r, r.name).toMatchObject({ got: r.max, quick: false });
    expect(rows.length).toBe(references.length + project.manifest.mutants.length);
    expect(rows.filter((r) => r.kind !== 'reference').every((r) => r.quick)).toBe(true);
    expect(liveGroupCount()).toBe(0);
  });
});
