/**
 * P1 within CI's time budget: both references in full (full marks each: the main one and the
 * permissive one that takes every liberty the contract allows), and for each mutant the tests
 * meant to catch it (`regress --quick`). The full regression is `dsgrade regress projects/p1-lsp`.
 */
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/load.js';
import { regress } from '../../src/regress/regress.js';
import { liveGroupCount } from '../../src/sandbox/process-registry.js';

describe('P1 regression (quick)', () => {
  it('every reference full marks; every mutant caught by its catchers', async () => {
    const project = await loadManifest('projects/p1-lsp');
    expect(project.manifest.mutants.length).toBeGreaterThanOrEqual(10);
    const rows = await regress({ project, seed: 20261126, quick: true });
    const report = rows.map((r) => `${r.name}: expected ${r.expected}, got ${r.got}${r.ok ? '' : ` — ${r.notable.map((n) => `${n.id}: ${n.summary}`).join('; ')}`}`);
    expect(rows.filter((r) => !r.ok), report.join('\n')).toEqual([]);
    const references = rows.filter((r) => r.kind === 'reference');
    expect(references.map((r) => r.name)).toEqual(['reference:main', 'reference:permissive']);
    for (const r of references) expect(r, r.name).toMatchObject({ got: r.max, quick: false });
    expect(liveGroupCount()).toBe(0);
  });
});
